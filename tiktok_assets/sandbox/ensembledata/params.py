"""Query-parameter parsing for the EnsembleData emulator: every bad input becomes an `EdError` naming it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# ISO 3166-1 alpha-2 codes; `country` outside this set answers 466 (doc).
_COUNTRIES = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW
    BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI
    FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN
    IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME
    MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF
    PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE
    YT ZA ZM ZW
"""
COUNTRY_CODES = frozenset(_COUNTRIES.split())

_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no", ""}


class EdError(Exception):
    """An EnsembleData error answer: HTTP `status` with body `{"detail": detail}`."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class Params:
    """The query string of one request (first value of each name; the token is not kept here)."""

    values: Mapping[str, str]

    @classmethod
    def from_query(cls, query: Mapping[str, Iterable[str] | str]) -> Params:
        flat: dict[str, str] = {}
        for name, value in query.items():
            if name == "token":  # never carried further than the server's check
                continue
            if isinstance(value, str):
                flat[name] = value
            else:
                items = list(value)
                if items:
                    flat[name] = str(items[0])
        return cls(flat)

    def get(self, name: str) -> str | None:
        value = self.values.get(name)
        return None if value is None else value.strip()

    def required(self, name: str) -> str:
        value = self.get(name)
        if not value:
            raise EdError(422, f"Missing required parameter '{name}'")
        return value

    def integer(
        self, name: str, default: int | None = None, *, minimum: int | None = None, required: bool = False
    ) -> int | None:
        raw = self.required(name) if required else self.get(name)
        if raw is None or raw == "":
            return default
        try:
            number = int(raw)
        except ValueError:
            raise EdError(422, f"Invalid value for parameter '{name}': expected an integer") from None
        if minimum is not None and number < minimum:
            raise EdError(422, f"Invalid value for parameter '{name}': must be >= {minimum}")
        return number

    def cursor(self, name: str = "cursor") -> int:
        value = self.integer(name, 0, minimum=0)
        assert value is not None
        return value

    def boolean(self, name: str, default: bool = False) -> bool:
        raw = self.get(name)
        if raw is None:
            return default
        if raw.lower() in _TRUE:
            return True
        if raw.lower() in _FALSE:
            return False
        raise EdError(422, f"Invalid value for parameter '{name}': expected true or false")

    def choice(self, name: str, allowed: tuple[int, ...], default: int | None = None) -> int:
        value = self.integer(name, default, required=default is None)
        if value not in allowed:
            options = ", ".join(str(a) for a in allowed)
            raise EdError(422, f"Invalid value for parameter '{name}': must be one of {options}")
        assert value is not None
        return value

    def country(self, name: str = "country") -> str | None:
        raw = self.get(name)
        if not raw:
            return None
        code = raw.upper()
        if code not in COUNTRY_CODES:
            raise EdError(466, f"Invalid country code '{raw}'")
        return code
