"""The rules catalogue: discretion benchmarks, exemption lists, prosecution thresholds, triggers (pure)."""
