"""The queries and commands the CLI, the scheduler and the graphs run against the database.

Every function takes an open :class:`sqlalchemy.orm.Session` (see
``adloom.storage.database.Database.session``) and leaves committing to it. Inputs are plain
dicts, since storage sits below every other package and imports none of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from adloom.storage.assets import AssetRef
from adloom.storage.models import (
    RUN_EVENT_KINDS,
    RUN_STATUSES,
    Asset,
    Brand,
    Campaign,
    MusicTrack,
    Product,
    Run,
    RunEvent,
    utc_now,
)

BRAND_FIELDS = ("name", "voice", "colors", "logo", "font")
PRODUCT_FIELDS = ("name", "description", "facts", "price", "cta", "url", "images")
ASSET_FIELDS = ("path", "sha256", "kind", "tool", "backend", "metadata")


class RunNotFoundError(LookupError):
    """No run has the given id."""

    def __init__(self, run_id: str):
        self.run_id = run_id
        super().__init__(f"no run with id {run_id!r} (see `adloom runs list`)")


def _checked_fields(
    what: str, data: Mapping[str, Any], allowed: tuple[str, ...], required: tuple[str, ...]
) -> dict[str, Any]:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValueError(f"{what}: unknown keys {unknown}; allowed: {', '.join(allowed)}")
    missing = [key for key in required if data.get(key) in (None, "")]
    if missing:
        raise ValueError(f"{what}: missing {', '.join(missing)}")
    return dict(data)


def _upsert(session: Session, model: type, values: dict[str, Any], conflict_on: list[str]):
    """Insert a row, or update the existing row with the same key, atomically; returns the row."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement = postgresql.insert(model).values(**values)
    elif dialect == "sqlite":
        statement = sqlite.insert(model).values(**values)
    else:
        raise ValueError(f"unsupported database {dialect!r}: adloom stores data in SQLite or PostgreSQL")
    statement = statement.on_conflict_do_update(
        index_elements=conflict_on,
        # Only the keys given are overwritten; the others keep their stored values.
        set_={key: statement.excluded[key] for key in values},
    ).returning(model)
    # populate_existing: a copy of the row already in this session is refreshed, not kept stale.
    return session.scalars(statement, execution_options={"populate_existing": True}).one()


def upsert_brand_and_product(
    session: Session, brand: Mapping[str, Any], product: Mapping[str, Any]
) -> tuple[Brand, Product]:
    """Create or update a brand (by name) and one of its products (by brand and name).

    Args:
        brand: keys from ``name, voice, colors, logo, font`` (``name`` required).
        product: keys from ``name, description, facts, price, cta, url, images`` (``name`` required).

    Raises:
        ValueError: an unknown or missing key, named.
    """
    brand_values = _checked_fields("brand", brand, BRAND_FIELDS, ("name",))
    product_values = _checked_fields("product", product, PRODUCT_FIELDS, ("name",))
    brand_row = _upsert(session, Brand, brand_values, ["name"])
    product_row = _upsert(
        session, Product, {"brand_id": brand_row.id, **product_values}, ["brand_id", "name"]
    )
    return brand_row, product_row


def create_campaign(session: Session, brief: Mapping[str, Any]) -> Campaign:
    """Record a brief (JSON-ready dict with ``brand`` and ``product``) as a new campaign."""
    for key in ("brand", "product"):
        if not isinstance(brief.get(key), Mapping):
            raise ValueError(f"brief: '{key}' must be a mapping")
    brand, product = upsert_brand_and_product(session, brief["brand"], brief["product"])
    campaign = Campaign(brand_id=brand.id, product_id=product.id, brief=dict(brief))
    session.add(campaign)
    session.flush()
    return campaign


def create_run(
    session: Session,
    run_id: str,
    *,
    brief: Mapping[str, Any],
    brief_path: str | Path | None,
    out_dir: str | Path | None,
    config: Mapping[str, Any],
    campaign_id: int | None = None,
) -> Run:
    """Record a new run with status ``running``.

    Args:
        run_id: the run id (a UUID hex), also the checkpointer's thread id.
        brief: the validated brief as a JSON-ready dict; when ``campaign_id`` is None a
            campaign is created from it (its brand and product are upserted).
        brief_path: where the brief was read from, if from a file.
        out_dir: the run's readable output folder.
        config: the effective settings, JSON-ready.
        campaign_id: an existing campaign to attach the run to instead.

    Raises:
        LookupError: ``campaign_id`` names no campaign.
    """
    if campaign_id is None:
        campaign_id = create_campaign(session, brief).id
    elif session.get(Campaign, campaign_id) is None:
        raise LookupError(f"no campaign with id {campaign_id}")
    now = utc_now()
    run = Run(
        id=run_id,
        campaign_id=campaign_id,
        status="running",
        brief_path=None if brief_path is None else str(brief_path),
        out_dir=None if out_dir is None else str(out_dir),
        config=dict(config),
        created_at=now,
        updated_at=now,
    )
    session.add(run)
    session.flush()
    return run


def get_run(session: Session, run_id: str) -> Run | None:
    """The run with this id, or None."""
    return session.get(Run, run_id)


def _require_run(session: Session, run_id: str) -> Run:
    run = session.get(Run, run_id)
    if run is None:
        raise RunNotFoundError(run_id)
    return run


def set_run_status(session: Session, run_id: str, status: str, error: str | None = None) -> Run:
    """Move a run to ``status``; a finished status stamps ``finished_at``, ``running`` clears it.

    Raises:
        ValueError: ``status`` is not one of :data:`adloom.storage.models.RUN_STATUSES`.
        RunNotFoundError: no such run.
    """
    if status not in RUN_STATUSES:
        raise ValueError(f"run status {status!r}: choose from {', '.join(RUN_STATUSES)}")
    run = _require_run(session, run_id)
    now = utc_now()
    run.status = status
    run.error = error
    run.updated_at = now
    run.finished_at = None if status == "running" else now
    session.flush()
    return run


class RunLeasedError(RuntimeError):
    """Another live process holds the run's lease."""

    def __init__(self, run_id: str, holder: str, seconds_left: float):
        self.run_id = run_id
        self.holder = holder
        super().__init__(
            f"run {run_id} is running in {holder} (its lease is renewed every few seconds and has "
            f"{seconds_left:.0f} s left): wait for it to finish, or stop that process; a run whose "
            "process died can be resumed once its lease expires"
        )


def acquire_run_lease(session: Session, run_id: str, lease_id: str, holder: str, seconds: float) -> None:
    """Make ``lease_id`` the run's owner for ``seconds``, unless a live lease is held by another.

    One conditional UPDATE decides, so two processes racing for the run cannot both win,
    on SQLite and Postgres alike.

    Raises:
        RunNotFoundError: no such run.
        RunLeasedError: another holder's lease has not expired.
    """
    now = utc_now()
    taken = session.execute(
        update(Run)
        .where(Run.id == run_id, or_(Run.lease_id.is_(None), Run.lease_id == lease_id, Run.lease_expires_at <= now))
        .values(lease_id=lease_id, lease_holder=holder, lease_expires_at=now + timedelta(seconds=seconds),
                updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken == 1:
        return
    run = _require_run(session, run_id)
    session.refresh(run)
    left = (run.lease_expires_at - now).total_seconds() if run.lease_expires_at else 0.0
    raise RunLeasedError(run_id, run.lease_holder or "another process", max(left, 0.0))


def renew_run_lease(session: Session, run_id: str, lease_id: str, seconds: float) -> bool:
    """Extend the lease ``lease_id`` holds; False when it is no longer the holder."""
    return session.execute(
        update(Run).where(Run.id == run_id, Run.lease_id == lease_id)
        .values(lease_expires_at=utc_now() + timedelta(seconds=seconds))
        .execution_options(synchronize_session=False)
    ).rowcount == 1


def release_run_lease(session: Session, run_id: str, lease_id: str) -> None:
    """Give the run up (a no-op when ``lease_id`` no longer holds it)."""
    session.execute(
        update(Run).where(Run.id == run_id, Run.lease_id == lease_id)
        .values(lease_id=None, lease_holder=None, lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )


def record_event(
    session: Session, run_id: str, node: str, event: str, detail: Mapping[str, Any] | None = None
) -> RunEvent:
    """Append a node event (``started``, ``finished`` or ``failed``) to a run's history.

    Raises:
        ValueError: unknown event.
        RunNotFoundError: no such run.
    """
    if event not in RUN_EVENT_KINDS:
        raise ValueError(f"run event {event!r}: choose from {', '.join(RUN_EVENT_KINDS)}")
    _require_run(session, run_id)
    row = RunEvent(
        run_id=run_id, node=node, event=event, at=utc_now(), detail=None if detail is None else dict(detail)
    )
    session.add(row)
    session.flush()
    return row


def node_event_counts(session: Session, run_id: str) -> dict[str, int]:
    """How many times each node of a run finished (a resumed run must not re-finish a node)."""
    rows = session.execute(
        select(RunEvent.node, func.count())
        .where(RunEvent.run_id == run_id, RunEvent.event == "finished")
        .group_by(RunEvent.node)
    )
    return {node: count for node, count in rows}


def list_runs(session: Session, limit: int = 50) -> list[Run]:
    """The most recent runs, newest first."""
    query = select(Run).order_by(Run.created_at.desc(), Run.id.desc()).limit(limit)
    return list(session.scalars(query))


def record_asset(session: Session, run_id: str | None, ref: AssetRef | Mapping[str, Any]) -> Asset:
    """Record a stored file against a run.

    Args:
        ref: an :class:`~adloom.storage.assets.AssetRef` or its ``model_dump()``: path, sha256,
            kind, tool, backend, metadata.

    Raises:
        ValueError: an unknown or missing key, named.
        RunNotFoundError: ``run_id`` is given but names no run.
    """
    if isinstance(ref, AssetRef):
        ref = ref.model_dump()
    values = _checked_fields("asset", ref, ASSET_FIELDS, ("path", "sha256", "kind", "tool"))
    if run_id is not None:
        _require_run(session, run_id)
    asset = Asset(
        run_id=run_id,
        path=str(values["path"]),
        sha256=values["sha256"],
        kind=values["kind"],
        tool=values["tool"],
        backend=values.get("backend") or "",
        meta=dict(values.get("metadata") or {}),
    )
    session.add(asset)
    session.flush()
    return asset


def finish_run(session: Session, run_id: str, manifest: Mapping[str, Any]) -> Run:
    """Keep what a finished run made on its record: its manifest, every file the manifest lists
    (``manifest["assets"]``) and its status (``manifest["status"]``)."""
    for entry in manifest["assets"]:
        record_asset(session, run_id, AssetRef(
            path=entry["path"], sha256=entry["sha256"], kind=entry["kind"], tool=entry["tool"],
            backend=entry.get("backend", ""), metadata={"role": entry.get("role", "")},
        ))
    run = set_run_status(session, run_id, manifest["status"])
    run.manifest = dict(manifest)
    return run


def list_brands(session: Session) -> list[Brand]:
    """Every brand, by name."""
    return list(session.scalars(select(Brand).order_by(Brand.name)))


def add_music_track(session: Session, *, title: str, credit: str, path: str, duration_s: float) -> MusicTrack:
    """Put a track in the music library; the same file added again keeps its entry, with the new title and credit."""
    track = session.scalar(select(MusicTrack).where(MusicTrack.path == path))
    if track is None:
        track = MusicTrack(title=title, credit=credit, path=path, duration_s=duration_s)
        session.add(track)
    else:
        track.title, track.credit = title, credit
    session.flush()
    return track


def list_music_tracks(session: Session) -> list[MusicTrack]:
    """The music library, in the order the tracks were added."""
    return list(session.scalars(select(MusicTrack).order_by(MusicTrack.id)))
