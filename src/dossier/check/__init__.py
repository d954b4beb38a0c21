"""Flag detectors, one module per kind of flag (see /work/notes/detectors.md); the runner is
the flags helper's and replaces this file at merge."""
