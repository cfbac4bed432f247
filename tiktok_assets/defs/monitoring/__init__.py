"""monitoring.yaml → dynamic partitions shared by every source, and the sensor that keeps them current."""
