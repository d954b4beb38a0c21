"""Flag detectors, one module per kind (placeholder: the flags branch provides the runner)."""
