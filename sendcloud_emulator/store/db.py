"""Engine, sessions, write transactions and id sequences for SQLite (default) and PostgreSQL.

Caps and uniqueness rules must hold when requests race, also across server processes sharing one
database. A write transaction therefore serialises per account: SQLite takes the database write
lock up front (BEGIN IMMEDIATE); PostgreSQL locks the account row (SELECT … FOR UPDATE).

On SQLite the write transactions of one process also queue on one in-process lock (first come,
first served) before BEGIN IMMEDIATE, so a writer waits on that lock instead of in SQLite's busy
handler, which sleeps and retries (milliseconds each time) and lets late writers overtake early
ones. The busy handler still arbitrates between processes sharing one file.
"""

import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from itertools import chain
from pathlib import Path

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Field, Session, SQLModel, create_engine, select

# The store knows no table of the domain: each table registers itself with SQLModel's metadata when
# its module is imported (importing the domain package imports them all), and says here what it is.
# Tables whose rows are an account's traffic (wiped by reset?account=…); domain modules add theirs.
TRAFFIC_TABLES: set[str] = set()
_LOCK_TABLE: list[type[SQLModel]] = []  # the table with one row per account, locked to serialise its writers


def lock_table(model: type[SQLModel]) -> type[SQLModel]:
    """Class decorator for the table whose row per account `Store.lock_account` locks."""
    _LOCK_TABLE[:] = [model]
    return model

# Run inside create_schema's transaction after the tables exist (triggers, back-fills); domain modules add theirs.
SCHEMA_STEPS: list = []
# Tables kept by triggers from the tables of record (not in SQLModel's metadata): emptied after a wipe.
DERIVED_TABLES: list = []


class Counter(SQLModel, table=True):
    """Emulator-wide sequences (labelId, maillistTaskId, account numbers, …): never reused."""

    name: str = Field(primary_key=True, max_length=64)
    value: int


class WriterQueue:
    """A first-come-first-served lock, re-entrant per thread (a nested write session does not wait on itself)."""

    def __init__(self):
        self._guard = threading.Lock()
        self._waiting: deque[threading.Lock] = deque()
        self._owner: int | None = None
        self._depth = 0

    def acquire(self) -> None:
        me = threading.get_ident()
        with self._guard:
            if self._owner == me:
                self._depth += 1
                return
            if self._owner is None and not self._waiting:
                self._owner, self._depth = me, 1
                return
            turn = threading.Lock()
            turn.acquire()
            self._waiting.append(turn)
        turn.acquire()  # released by the previous owner when it hands over
        with self._guard:
            self._owner, self._depth = me, 1

    def waiting(self) -> int:
        """How many writers are queued (a long writer can make way sooner when others wait)."""
        return len(self._waiting)

    def release(self) -> None:
        with self._guard:
            self._depth -= 1
            if self._depth:
                return
            if self._waiting:
                self._owner = -1  # handed over: nobody else may take it before the next in line
                self._waiting.popleft().release()
            else:
                self._owner = None


class Store:
    def __init__(self, url: str):
        self.url = make_url(url)
        self.dialect = self.url.get_backend_name()  # "sqlite" | "postgresql"
        if self.dialect == "sqlite":
            database = self.url.database
            if database and database != ":memory:" and not database.startswith("file:"):
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            self.engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 60},
                                        pool_size=20, max_overflow=40)
            self._configure_sqlite()
        else:
            self.engine = create_engine(url, pool_size=10, max_overflow=30, pool_pre_ping=True)
        self._write_engine = self.engine.execution_options(sqlite_begin="BEGIN IMMEDIATE")
        self.writers = WriterQueue() if self.dialect == "sqlite" else None
        # Bumped after every committed write of this process: live views (the UI's server-sent
        # events) look at the database only when it moved, not on a timer. Two threads bumping it at
        # once may count one: it still moved, which is all a watcher asks.
        self.version = 0
        # (thread id, connection) kept for the read sessions of one thread, the event loop's (keep_reader)
        self._reader = None
        self._reader_busy = False
        self._writer = None  # the write connection kept for SQLite's writers (_kept_writer)
        self._writer_busy = False

    def _configure_sqlite(self) -> None:
        @event.listens_for(self.engine, "connect")
        def _on_connect(dbapi_connection, _record):
            # Let SQLAlchemy's "begin" event issue BEGIN itself, so writes can ask for IMMEDIATE.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=60000")
            cursor.close()

        @event.listens_for(self.engine, "begin")
        def _on_begin(connection):
            # on the driver's connection: SQLAlchemy's execution steps cost more than the BEGIN
            begin = connection.get_execution_options().get("sqlite_begin", "BEGIN")
            connection.connection.driver_connection.execute(begin)

    # schema -----------------------------------------------------------------------------------
    def create_schema(self) -> None:
        if not _LOCK_TABLE:
            raise RuntimeError("no tables registered: import sendcloud_emulator.domain before create_schema")
        if self.dialect == "postgresql":
            # Several processes may start at once: one creates the tables, the others wait for it.
            with self.engine.begin() as connection:
                connection.exec_driver_sql("SELECT pg_advisory_xact_lock(727274001)")
                _build_schema(connection)
            return
        for attempt in range(20):  # several processes may start at once against one database
            try:
                with self._write_engine.begin() as connection:
                    _build_schema(connection)
                return
            except OperationalError:
                if attempt == 19:
                    raise
                time.sleep(0.1)

    def wipe(self) -> None:
        """Delete every row of every table (a full reset)."""
        with self.session(write=True) as session:
            for table in reversed(SQLModel.metadata.sorted_tables):
                session.exec(table.delete())
            for table in DERIVED_TABLES:  # after the delete triggers of the tables above wrote to them
                session.exec(table.delete())

    # sessions ---------------------------------------------------------------------------------
    @contextmanager
    def session(self, write: bool = False) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any exception."""
        if write and self.writers is not None:
            self.writers.acquire()
            try:
                if self._writer_busy:  # a write session nested in this thread's own
                    with self._session(self._write_engine, True) as session:
                        yield session
                    return
                # the queue's owner alone uses the kept write connection
                self._writer_busy = True
                try:
                    with self._session(self._kept_writer(), True) as session:
                        yield session
                finally:
                    self._writer_busy = False
            finally:
                self.writers.release()
            return
        reader = self._reader
        if not write and reader is not None and reader[0] == threading.get_ident() and not self._reader_busy:
            self._reader_busy = True  # a read nested in this one takes a pooled connection
            try:
                with self._session(reader[1], False) as session:
                    yield session
            finally:
                self._reader_busy = False
            return
        with self._session(self._write_engine if write else self.engine, write) as session:
            yield session

    def keep_reader(self) -> None:
        """Keep one connection for the read sessions of the calling thread (the event loop's, on
        SQLite): the short reads run there skip the pool's checkout and return, which cost more
        than the read itself. Closed by dispose()."""
        if self.dialect == "sqlite" and self._reader is None:
            self._reader = (threading.get_ident(), self.engine.connect())

    def _kept_writer(self):
        """SQLite's writers of this process take turns (WriterQueue), so they share one kept
        connection instead of a pool checkout and return each. Closed by dispose()."""
        if self._writer is None or self._writer.closed or self._writer.invalidated:
            self._writer = self._write_engine.connect()
        return self._writer

    def dispose(self) -> None:
        """Close every connection (the kept ones too); the engine may still open new ones."""
        if self._reader is not None:
            self._reader[1].close()
            self._reader = None
        if self._writer is not None and not self._writer_busy:  # one still writing drops it when collected
            self._writer.close()
            self._writer = None
        self.engine.dispose()

    @contextmanager
    def _session(self, bind, write: bool) -> Iterator[Session]:
        """`bind`: the engine (a pooled connection) or a kept connection."""
        with Session(bind, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
                if write:
                    self.version += 1
            except BaseException:
                session.rollback()
                raise

    def lock_account(self, session: Session, account_id: int) -> None:
        """Serialise writers of one account (SQLite is already serialised by BEGIN IMMEDIATE)."""
        if self.dialect != "sqlite":
            table = _LOCK_TABLE[0]
            session.exec(select(table.id).where(table.id == account_id).with_for_update())

    def next_id(self, session: Session, name: str, first: int = 1) -> int:
        row = session.connection().execute(_NEXT_ID, {"name": name, "first": first}).one()
        return int(row[0])


class Prepared:
    """A small Core SELECT run, on SQLite, on the driver's own cursor: compiled once, its bound
    values and results converted by the columns' own types. For the one-row reads every request
    makes (the authentication version, the quota), where SQLAlchemy's execution steps cost several
    times the query. Other dialects take the usual Core path."""

    def __init__(self, statement):
        self.statement = statement
        self._sqlite = None  # (sql, [(parameter name or None, constant, bind processor)], [result processor])

    def first(self, connection, params: dict) -> tuple | None:
        """The first row (a tuple), or None; `connection` a Connection in the caller's transaction."""
        if connection.dialect.name != "sqlite":
            return connection.execute(self.statement, params).first()
        sql, binds, results = self._sqlite or self._compile(connection.dialect)
        args = []
        for name, constant, process in binds:
            value = constant if name is None else params[name]
            args.append(value if process is None or value is None else process(value))
        row = connection.connection.driver_connection.execute(sql, args).fetchone()
        if row is None:
            return None
        return tuple(value if process is None else process(value) for value, process in zip(row, results))

    def _compile(self, dialect):
        compiled = self.statement.compile(dialect=dialect)
        binds = []
        for name in compiled.positiontup:
            bind = compiled.binds[name]
            binds.append((name if bind.required else None, bind.effective_value,
                          bind.type.dialect_impl(dialect).bind_processor(dialect)))
        results = [column.type.dialect_impl(dialect).result_processor(dialect, None)
                   for column in self.statement.selected_columns]
        self._sqlite = compiled.string, binds, results
        return self._sqlite


_NEXT_ID = text("INSERT INTO counter (name, value) VALUES (:name, :first) "
               "ON CONFLICT (name) DO UPDATE SET value = counter.value + 1 RETURNING value")
_RESERVE_PG = text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)")


def reserve_ids(session: Session, table, count: int) -> list[int]:
    """`count` fresh primary keys of `table` (integer `id`), so rows can be inserted in bulk with
    their ids known and never read back. The caller holds a write transaction: on SQLite that is
    the database's write lock, so the ids after the largest one stay free until it commits (the
    ids SQLite itself would give); PostgreSQL draws them from the table's sequence."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        last = connection.exec_driver_sql(f'SELECT coalesce(max(id), 0) FROM "{table.name}"').scalar_one()
        return list(range(last + 1, last + 1 + count))
    rows = connection.execute(_RESERVE_PG, {"table": table.name, "count": count}).all()
    return [int(r[0]) for r in rows]


def insert_rows(connection, table, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert plain tuples (values in `columns` order, already as the driver takes them), many rows
    per INSERT statement: no per-row parameter binding by SQLAlchemy, and on SQLite no statement
    (with its statement journal, which a table with triggers needs) per row."""
    per = max(1, PARAMETERS_PER_STATEMENT // len(columns))
    for start in range(0, len(rows), per):
        part = rows[start:start + per]
        connection.exec_driver_sql(_insert_sql(connection.dialect, table.name, columns, len(part)),
                                   tuple(chain.from_iterable(part)))


# bound values per INSERT: well within SQLite's 32766 (3.32+; next_id's RETURNING needs 3.35 anyway)
# and PostgreSQL's 65535; about 200 mails a statement
PARAMETERS_PER_STATEMENT = 8000


@lru_cache(maxsize=64)
def _insert_sql(dialect, table: str, columns: tuple[str, ...], count: int) -> str:
    quote = dialect.identifier_preparer.quote
    row = f"({marks(dialect, len(columns))})"
    return f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) VALUES {', '.join([row] * count)}"


def marks(dialect, count: int) -> str:
    """`count` positional parameter marks for plain SQL run by the driver (sqlite3: ?, psycopg: %s)."""
    return ", ".join(["?" if dialect.paramstyle == "qmark" else "%s"] * count)


def bind_time(connection, table, column: str):
    """The function that turns a datetime into what the driver stores for `table.column` (the
    column type's own bind conversion for this dialect: on SQLite the text SQLAlchemy writes, never
    the sqlite3 module's own), for rows given to insert_rows."""
    dialect = connection.dialect
    convert = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
    return convert or (lambda value: value)


def _build_schema(connection) -> None:
    """Missing tables, columns and indexes, then the registered steps, in the caller's transaction."""
    SQLModel.metadata.create_all(connection)
    add_missing_columns(connection)
    create_missing_indexes(connection)
    for step in SCHEMA_STEPS:
        step(connection)


def add_missing_columns(connection) -> None:
    """Bring a database made by an older version up to date: create_all makes missing tables but
    never touches existing ones, so a column added later (with a server default, or nullable) is
    added here. Run inside create_schema's transaction, so concurrent starters do it once."""
    inspector = inspect(connection)
    for table in SQLModel.metadata.sorted_tables:
        if not inspector.has_table(table.name):
            continue
        present = {column["name"] for column in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in present:
                continue
            if column.server_default is None and not column.nullable:
                raise RuntimeError(f"cannot add column {table.name}.{column.name}: it needs a server default")
            kind = column.type.compile(dialect=connection.dialect)
            default = f" DEFAULT '{column.server_default.arg}'" if column.server_default is not None else ""
            null = "" if column.nullable else " NOT NULL"
            connection.exec_driver_sql(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}{default}{null}')
            for index in table.indexes:
                if [c.name for c in index.columns] == [column.name]:
                    index.create(connection, checkfirst=True)


def create_missing_indexes(connection) -> None:
    """Indexes added to a table after a database was created (create_all only creates missing tables)."""
    for table in SQLModel.metadata.sorted_tables:
        for index in table.indexes:
            index.create(connection, checkfirst=True)
