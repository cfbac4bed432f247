"""The lake on an S3 API (moto's server over real HTTP) behaves as on the local disk: publish, exists, list,
open, delete; writers commit whole objects, readers see the old or the new partition, never half."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tiktok_assets.cluster.object_store import ObjectStore
from tiktok_assets.defs.lake_resource import LakeResource
from tiktok_assets.lake import compaction, layout, reader
from tiktok_assets.lake.datasets import research as rds
from tiktok_assets.lake.normalize import normalize
from tiktok_assets.lake.s3_storage import S3Storage
from tiktok_assets.lake.storage import LakeStorage, LakeUrlError, LocalStorage, storage_for
from tiktok_assets.lake.writer import PartitionWriter

PART = {"query": "q", "date": "2026-05-01"}


def videos(ids: list[int], views: int = 1) -> pa.Table:
    base = int(datetime(2026, 5, 1, tzinfo=UTC).timestamp())
    return normalize(rds.VIDEOS, [{"id": i, "create_time": base + i, "view_count": views} for i in ids], base)


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> LakeStorage:
    """The same test against both backends: the seam's promise is that callers cannot tell them apart."""
    if request.param == "local":
        return LocalStorage(tmp_path / "lake")
    store: ObjectStore = request.getfixturevalue("object_store")
    return S3Storage(f"s3://{store.bucket}/t-{uuid.uuid4().hex[:8]}", scratch=tmp_path / "scratch")


def test_publish_exists_list_open_delete_alike(storage: LakeStorage, tmp_path: Path) -> None:
    keys = ["research/videos/query=q/date=2026-05-01/part-0.parquet",
            "research/videos/query=q/date=2026-05-02/part-0.parquet",
            "research/videos/query=a%2Fb/date=2026-05-01/part-0.parquet"]  # fmt: skip
    for i, key in enumerate(keys):
        local = tmp_path / f"f{i}.parquet"
        pq.write_table(pa.table({"x": list(range(i + 1))}), local)
        storage.publish(local, key)
        assert not local.exists()  # the scratch copy is gone once published
    assert storage.list("research/videos", "part-0.parquet") == sorted(keys)
    assert storage.list("research/comments", "part-0.parquet") == []
    assert storage.exists(keys[1]) and not storage.exists("research/videos/nothing/part-0.parquet")
    assert pq.read_table(storage.open(keys[2]))["x"].to_pylist() == [0, 1, 2]
    storage.delete(keys[0])
    storage.delete(keys[0])  # absent: still fine
    assert storage.list("research/videos", "part-0.parquet") == sorted(keys[1:])
    assert storage.uri(keys[1]).endswith("/" + keys[1])


def test_writer_and_readers_through_the_s3_storage(storage: LakeStorage) -> None:
    with PartitionWriter(storage, rds.VIDEOS, PART, row_group_rows=2, metadata={"run_id": "r1"}) as w:
        w.write(videos([5, 4, 3]))
        w.write(videos([3, 2]))  # a repeated key is deduplicated at commit
    assert w.rows_committed == 4
    assert sorted(reader.read_partition(storage, rds.VIDEOS, PART)["id"].to_pylist()) == [2, 3, 4, 5]
    assert reader.partition_rows(storage, rds.VIDEOS, PART) == 4
    assert reader.partition_footer(storage, rds.VIDEOS, PART)["run_id"] == "r1"
    assert reader.list_partitions(storage, rds.VIDEOS) == [PART]
    assert reader.partition_head(storage, rds.VIDEOS, PART, ["id"], n=2).num_rows == 2
    with PartitionWriter(storage, rds.VIDEOS, PART, append=True) as w:  # late rows of a closed day
        w.write(videos([1]))
    assert sorted(reader.read_partition(storage, rds.VIDEOS, PART)["id"].to_pylist()) == [1, 2, 3, 4, 5]
    with pytest.raises(RuntimeError), PartitionWriter(storage, rds.VIDEOS, PART) as w:
        w.write(videos([9]))
        raise RuntimeError("the API failed mid-partition")
    assert sorted(reader.read_partition(storage, rds.VIDEOS, PART)["id"].to_pylist()) == [1, 2, 3, 4, 5]
    assert not list(storage.scratch_dir().glob("*.parquet"))


def test_readers_see_the_old_or_the_new_partition_never_half(
    object_store: ObjectStore, tmp_path: Path
) -> None:
    storage = S3Storage(f"s3://{object_store.bucket}/swap-{uuid.uuid4().hex[:8]}", scratch=tmp_path)
    sizes = {40_000 * v: v for v in (1, 2, 3, 4, 5)}  # rows → version
    with PartitionWriter(storage, rds.VIDEOS, PART) as w:
        w.write(videos(list(range(40_000, 0, -1)), views=1))
    seen: list[tuple[int, set[int]]] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def read_forever() -> None:
        try:
            while not done.is_set():
                table = reader.read_partition(storage, rds.VIDEOS, PART, ["id", "view_count"])
                seen.append((table.num_rows, set(table["view_count"].unique().to_pylist())))
        except BaseException as exc:  # noqa: BLE001 - any failure to read a whole object is the finding
            errors.append(exc)

    thread = threading.Thread(target=read_forever)
    thread.start()
    for rows, version in sizes.items():
        with PartitionWriter(storage, rds.VIDEOS, PART) as w:
            w.write(videos(list(range(rows, 0, -1)), views=version))
    done.set()
    thread.join(timeout=60)
    assert not errors
    for rows, versions in seen:  # every read is one whole version: its row count and only its value
        assert versions == {sizes[rows]}
    assert len({sizes[rows] for rows, _ in seen}) >= 3  # the reads really interleaved with the swaps


def test_storage_for_picks_the_backend_from_the_url(object_store: ObjectStore, tmp_path: Path) -> None:
    assert isinstance(storage_for(tmp_path), LocalStorage)
    assert storage_for(f"file://{tmp_path}").root == tmp_path
    s3 = storage_for(f"s3://{object_store.bucket}/some/prefix/")
    assert isinstance(s3, S3Storage) and s3.uri("a/b") == f"s3://{object_store.bucket}/some/prefix/a/b"
    with pytest.raises(LakeUrlError, match="gs"):
        storage_for("gs://bucket/lake")
    with pytest.raises(ValueError, match="bucket"):
        storage_for("s3:///lake")


def test_lake_resource_follows_tiktok_lake_url(
    object_store: ObjectStore, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TIKTOK_LAKE_URL", f"s3://{object_store.bucket}/resource")
    lake = LakeResource()
    assert lake.url == f"s3://{object_store.bucket}/resource" and lake.on_object_store
    secret = object_store.credentials["AWS_SECRET_ACCESS_KEY"]
    assert secret not in repr(lake.storage) and secret not in repr(lake)
    with pytest.raises(ValueError, match="object store"):
        _ = lake.root
    with lake.writer(rds.USER_INFO, {"date": "2026-06-15"}) as w:
        w.write(normalize(rds.USER_INFO, [{"username": "a", "follower_count": 3}], 0))
    assert lake.rows(rds.USER_INFO, {"date": "2026-06-15"}) == 1
    assert lake.partitions(rds.USER_INFO) == [{"date": "2026-06-15"}]
    assert lake.uri(rds.USER_INFO, {"date": "2026-06-15"}) == (
        f"s3://{object_store.bucket}/resource/" + layout.partition_key(rds.USER_INFO, {"date": "2026-06-15"})
    )
    # With nothing configured, the local default stays (resource config wins over the environment).
    monkeypatch.delenv("TIKTOK_LAKE_URL")
    monkeypatch.setenv("TIKTOK_LAKE_DIR", str(tmp_path / "local"))
    assert LakeResource().root == (tmp_path / "local").resolve() and not LakeResource().on_object_store
    assert LakeResource(lake_dir=str(tmp_path / "x")).url == str((tmp_path / "x").resolve())


def test_compaction_and_its_invalidation_alike(storage: LakeStorage) -> None:
    """Monthly copies on both backends: written for a complete month, a re-committed day deletes its month's
    copy, and ``fingerprint`` changes with every replacement (the compaction's re-check)."""
    for day in ("2026-04-29", "2026-04-30", "2026-05-01"):
        with PartitionWriter(storage, rds.VIDEOS, {"query": "q", "date": day}) as w:
            w.write(videos([int(day[-2:])]))
    april = "_compacted/research/videos/query=q/month=2026-04/part-0.parquet"
    done = compaction.compact(storage, through=date(2026, 5, 1), datasets=[rds.VIDEOS])
    assert (done[0].months, done[0].days, done[0].rows) == (1, 2, 2)
    assert storage.exists(april) and not storage.exists(april.replace("2026-04", "2026-05"))
    assert sorted(pq.read_table(storage.open(april))["date"].to_pylist()) == ["2026-04-29", "2026-04-30"]
    day_key = layout.partition_key(rds.VIDEOS, {"query": "q", "date": "2026-04-30"})
    before = storage.fingerprint(day_key)
    with PartitionWriter(storage, rds.VIDEOS, {"query": "q", "date": "2026-04-30"}) as w:
        w.write(videos([30, 31]))
    assert storage.fingerprint(day_key) not in (None, before)
    assert not storage.exists(april)  # the commit deleted the copy it made stale
    assert storage.fingerprint(april) is None
