"""`python -m tiktok_assets.cli …` is `tiktok-assets …`."""

import sys

from tiktok_assets.cli import main

sys.exit(main())
