"""The cluster is configuration: the switches pick the pieces, secrets stay environment references, and with
nothing set the laptop defaults stay."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.instance.ref import InstanceRef
from dagster._serdes import serialize_value

from tiktok_assets import settings
from tiktok_assets.cluster import celery_config
from tiktok_assets.defs import executor

SECRET = "pw-that-must-not-travel"


def test_the_postgres_instance_config_carries_env_references_not_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(settings.project_root() / "deploy" / "dagster-postgres.yaml", tmp_path / "dagster.yaml")
    monkeypatch.setenv("TIKTOK_DAGSTER_PG_URL", f"postgresql://u:{SECRET}@127.0.0.1:5432/dagster")
    ref = InstanceRef.from_dir(str(tmp_path))  # what the run sends every Celery worker with each step
    text = serialize_value(ref)
    assert "PostgresRunStorage" in text and "TIKTOK_DAGSTER_PG_URL" in text
    assert SECRET not in text


def test_the_executor_is_chosen_by_tiktok_executor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIKTOK_EXECUTOR", raising=False)
    # Nothing set: Dagster's executor, every step in the run's process unless a run asks for multiprocess.
    default = executor.defs().executor
    assert default.name == "multi_or_in_process_executor"
    assert default.config_schema.as_field().default_value == {"in_process": {}}
    monkeypatch.setenv("TIKTOK_EXECUTOR", "multiprocess")
    chosen = executor.defs().executor
    assert chosen.config_schema.as_field().default_value == {"multiprocess": {}}
    monkeypatch.setenv("TIKTOK_EXECUTOR", "dask")
    with pytest.raises(ValueError, match="TIKTOK_EXECUTOR"):
        executor.defs()
    monkeypatch.setenv("TIKTOK_EXECUTOR", "celery")
    monkeypatch.delenv("TIKTOK_CELERY_BROKER_URL", raising=False)
    with pytest.raises(RuntimeError, match="TIKTOK_CELERY_BROKER_URL"):
        executor.defs()
    monkeypatch.setenv("TIKTOK_CELERY_BROKER_URL", f"redis://:{SECRET}@127.0.0.1:6379/0")
    chosen = executor.defs().executor
    assert isinstance(chosen, dg.ExecutorDefinition) and chosen.name == "celery"
    config = celery_config.executor_config()
    assert config["broker"] == {"env": "TIKTOK_CELERY_BROKER_URL"} and SECRET not in repr(config)
    assert config["config_source"]["task_acks_late"] and config["config_source"]["task_reject_on_worker_lost"]


def test_the_visibility_timeout_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIKTOK_CELERY_VISIBILITY_TIMEOUT", raising=False)
    assert celery_config.celery_settings()["broker_transport_options"]["visibility_timeout"] == 3600
    monkeypatch.setenv("TIKTOK_CELERY_VISIBILITY_TIMEOUT", "40")
    options = celery_config.celery_settings()["broker_transport_options"]
    assert options["visibility_timeout"] == 40 and options["unacked_restore_interval"] == 10
