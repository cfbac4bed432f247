"""``monitoring_partitions_sensor``: keeps the dynamic partitions (accounts, hashtags, keywords) equal to
monitoring.yaml's lists, adding new entries; removed entries keep their partitions (their history stays
browsable) and are simply no longer scheduled. Ships RUNNING: it only edits partitions, never calls an API.
"""

import dagster as dg

from tiktok_assets.config import current_monitoring, dynamic_keys


def monitoring_partitions_sensor_def() -> dg.SensorDefinition:
    @dg.sensor(
        name="monitoring_partitions_sensor",
        minimum_interval_seconds=60,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Adds a dynamic partition for every account, hashtag and keyword in monitoring.yaml.",
    )
    def _sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult | dg.SkipReason:
        monitoring = current_monitoring()  # a broken file fails the tick with the offending key named
        requests = []
        for name, wanted in dynamic_keys(monitoring).items():
            existing = set(context.instance.get_dynamic_partitions(name))
            new = [k for k in wanted if k not in existing]
            if new:
                requests.append(dg.AddDynamicPartitionsRequest(partitions_def_name=name, partition_keys=new))
            stale = existing - set(wanted)
            if stale:
                context.log.info(f"{name}: {sorted(stale)} left monitoring.yaml; their partitions are kept")
        if not requests:
            return dg.SkipReason("dynamic partitions already match monitoring.yaml")
        return dg.SensorResult(dynamic_partitions_requests=requests)

    return _sensor


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(sensors=[monitoring_partitions_sensor_def()])
