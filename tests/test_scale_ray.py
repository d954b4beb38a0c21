"""`--engine ray`: the same export as the local engine, with a killed Ray worker retried.

Ray is an optional extra (`pip install -e '.[ray]'`; .ci/run installs it); without it
this test skips. It starts a local Ray instance with 2 CPUs, as `dossier build --engine
ray --workers 2` does (about 10 s here), so it is one test that checks both.
"""

from __future__ import annotations

import pytest

pytest.importorskip("ray", reason="Ray is the optional extra dossier[ray]; .ci/run installs it")

from test_scale import build_sample, reference, same  # noqa: E402,F401  (reference is a fixture)

from dossier.scale.shards import TEST_HOOK_ENV  # noqa: E402


@pytest.mark.slow
def test_ray_with_two_cpus_gives_the_same_export_when_a_worker_dies(tmp_path, reference, monkeypatch):  # noqa: F811
    flag = tmp_path / "died-once"
    monkeypatch.setenv(TEST_HOOK_ENV, f"exit-once:{flag}")  # the first shard's worker exits; Ray retries it
    document, report, _ = build_sample(tmp_path, "ray", workers=2, engine="ray", shard_size=3)
    assert flag.exists()  # a Ray worker did die
    assert report.shards > 5 and report.shards_failed == 0
    assert same(document, reference)
