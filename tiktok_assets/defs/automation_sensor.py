"""``tiktok_automation_sensor``: evaluates every asset's automation condition (dbt models and analyses rebuild
after a collection, ``collect.automation.on_lake_update``) and launches what is due. Ships RUNNING, so nothing
downstream waits for a person; collection assets have no condition and only run on their schedules.
"""

import os

import dagster as dg

SENSOR = "tiktok_automation_sensor"
# Seconds between evaluations (Dagster's default); TIKTOK_AUTOMATION_INTERVAL_SECONDS changes it.
DEFAULT_INTERVAL_SECONDS = 30


def automation_sensor_def() -> dg.AutomationConditionSensorDefinition:
    return dg.AutomationConditionSensorDefinition(
        SENSOR,
        target=dg.AssetSelection.all(),
        default_status=dg.DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=int(
            os.environ.get("TIKTOK_AUTOMATION_INTERVAL_SECONDS", DEFAULT_INTERVAL_SECONDS)
        ),
        description="Rebuilds dbt models and analyses after the collections (or models) they read were updated.",
    )


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(sensors=[automation_sensor_def()])
