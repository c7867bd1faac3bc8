"""Every setting declared once: type, environment name, default, meaning. Built at the entry point.

`Settings` configures the pipeline (workers and the commands that talk to them); `DevSettings` the developer
tooling around it (the local broker, the demo, the benchmarks, the test fixtures). Nothing else reads the
environment: CLI options take their variable names from here (`env_name`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import AliasChoices, BaseModel, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from agents.first_decision import FirstDecisionConfig
from agents.handlers import Limits
from agents.pipeline import PipelineConfig
from agents.topology import TopicNames
from app.exceptions import SettingsError
from risk.features.common import StageConfig
from risk.rules import DEFAULT_RULESET_LIMITS, RulesetLimits
from risk.validation import TimeBounds
from tables.state import StoreSizing

ROOT = Path(__file__).resolve().parent.parent
KAFKA_VERSION = "4.0.2"  # the local broker's default line; 3.9.2 is the other one the suite passes on
S = TypeVar("S", bound=BaseSettings)
_STAGE = StageConfig()  # the windowed-state defaults are declared once, on StageConfig


class ChannelDeadline(BaseModel):
    """How long the decision API waits for the pipeline on one channel, and what it answers after that."""

    model_config = {"frozen": True}
    deadline_ms: int = Field(ge=1, le=60_000)
    fallback: Literal["ALLOW", "CHALLENGE", "REVIEW", "BLOCK"]


_DEFAULT_DEADLINES = {
    "mobile": ChannelDeadline(deadline_ms=150, fallback="ALLOW"),
    "online": ChannelDeadline(deadline_ms=150, fallback="ALLOW"),
    "quickpay": ChannelDeadline(deadline_ms=150, fallback="ALLOW"),
    "api": ChannelDeadline(deadline_ms=150, fallback="ALLOW"),
    "counter": ChannelDeadline(deadline_ms=300, fallback="CHALLENGE"),
    "atm": ChannelDeadline(deadline_ms=300, fallback="CHALLENGE"),
    "pos": ChannelDeadline(deadline_ms=300, fallback="CHALLENGE"),
}


class Settings(BaseSettings):
    """Environment names are FRAUDSTREAM_<FIELD> unless noted (KAFKA_BOOTSTRAP_SERVERS)."""

    model_config = SettingsConfigDict(env_prefix="FRAUDSTREAM_", frozen=True, extra="ignore", populate_by_name=True)

    engine: Literal["quix", "faust"] = Field(
        default="quix", description="stream engine: quix (Quix Streams, confluent-kafka) or faust (faust-streaming)")
    bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS", "FRAUDSTREAM_BOOTSTRAP_SERVERS"),
        description="Kafka bootstrap servers, comma-separated host:port",
        pattern=r"^[^,\s]+:\d+(,[^,\s]+:\d+)*$",
    )
    app_id: str = Field(default="fraudstream", pattern=r"^[a-z0-9][a-z0-9._-]*$",
                        description="Faust app id: consumer group and internal topic prefix")
    topic_prefix: str = Field(default="", pattern=r"^[A-Za-z0-9._-]*$",
                              description="prefix on every topic name, e.g. 'sandbox.' for replays")
    partitions: int = Field(default=8, ge=1, le=1024, description="partitions of every topic we create")
    replication_factor: int = Field(default=1, ge=1, le=5, description="replication of topics we create")
    datadir: Path = Field(default=ROOT / "var" / "worker", description="RocksDB state; one per worker process")
    store: Literal["rocksdb://", "memory://"] = Field(default="rocksdb://", description="table store")
    web_host: str = Field(default="127.0.0.1", description="address /health, /ready and /metrics listen on "
                                                              "(0.0.0.0 to expose them, e.g. to a Kubernetes probe)")
    web_port: int = Field(default=6066, ge=1, le=65535, description="/health, /ready and /metrics")
    web_enabled: bool = Field(default=True, description="serve /health, /ready and /metrics")
    metrics_interval_s: float = Field(default=5.0, gt=0, le=300,
                                      description="how often /metrics refreshes committed offsets and lag from the "
                                                  "broker")
    log_level: Literal["debug", "info", "warning", "error"] = Field(default="info", description="log threshold")
    uvloop: bool = Field(default=True, description="run the worker on uvloop")
    admin_token: SecretStr | None = Field(default=None, description="signs control-topic messages (rules/models)")
    ruleset_path: Path = Field(default=ROOT / "rules" / "starter.yaml",
                               description="ruleset used until one is published")
    policy_path: Path = Field(default=ROOT / "rules" / "policy.yaml", description="decision policy until published")
    responses_path: Path = Field(default=ROOT / "rules" / "responses.yaml", description="block-command plan")
    input_retention_hours: int = Field(
        default=14 * 24, ge=1,
        description="retention of the input topics the worker creates (transactions, account events, labels): "
                    "how long an outage may last before undecided input ages out")
    control_max_record_bytes: int = Field(
        default=16 * 1024 * 1024, ge=64 * 1024, le=256 * 1024 * 1024,
        description="largest control record (a ruleset with its lists inlined, a model); records travel gzip-"
                    "compressed, larger ones are refused at once by the CLI and by workers")
    control_start_timeout_s: float = Field(
        default=10.0, gt=0, le=600,
        description="how long a starting worker waits to read the control topic before it decides anything; "
                    "past it, it starts on the files and the control plane swaps in the published versions "
                    "once it reads them")
    rules_max_rules: int = Field(
        default=DEFAULT_RULESET_LIMITS.max_rules, ge=1,
        description="most rules in one ruleset; a larger one is refused at once (too_many_rules) by rules "
                    "validate, rules publish and workers")
    rules_max_list_items: int = Field(
        default=DEFAULT_RULESET_LIMITS.max_list_items, ge=1,
        description="most items in one named list; a larger one is refused at once (list_too_large)")
    max_message_bytes: int = Field(default=64 * 1024, ge=1024, description="larger inputs are dead-lettered")
    max_future_s: int = Field(default=300, ge=0, description="event times further ahead of the clock are rejected")
    max_age_s: int = Field(default=35 * 86_400, ge=0, description="older event times are rejected (0 = no limit)")
    lateness_s: int = Field(default=_STAGE.lateness_ms // 1000, ge=0,
                            description="per-entity bounded lateness for counting an event")
    dedupe_capacity: int = Field(default=_STAGE.dedupe_capacity, ge=1, le=65536,
                                 description="tx ids remembered per entity: repeats among them are never recounted")
    replay_capacity: int = Field(default=_STAGE.replay_capacity, ge=1, le=4096,
                                 description="of those, how many re-emit the features they were first decided on")
    first_decision_horizon_minutes: int = Field(
        default=60, ge=1, le=7 * 24 * 60,
        description="the score stage answers a redelivered transaction with its first decision for this long "
                    "(event time, per account): longer than a redo after a crash or partition move takes")
    crash_only_stop: bool = Field(default=True, description="SIGTERM ends the worker like a crash (no final commit)")
    instance_id: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9._-]{1,128}$",
        description="static group membership: a restarted worker with the same id resumes its own "
                    "partitions at once instead of waiting out the session timeout; unique per worker process")
    processing_guarantee: Literal["at-least-once", "exactly-once"] = Field(
        default="at-least-once", description="quix engine: exactly-once uses Kafka transactions")
    session_timeout_s: float = Field(default=30.0, gt=1, description="a dead worker's partitions move after this")
    utc_offset_minutes: int = Field(default=480, ge=-720, le=840, description="bank's zone for tx.hour (China +480)")
    score_stage: Literal["batched", "inline"] = Field(
        default="batched", description="batched: a separate score stage keyed by account, with each transaction's "
                                       "first decision (offline runs give it vectorised batches); "
                                       "inline: the counterparty stage scores one event at a time "
                                       "(one hop less, no first-decision record)")
    producer_linger_ms: int = Field(default=5, ge=0, le=1000, description="producer batching delay")
    producer_buffer_messages: int = Field(default=20_000, ge=100, description="pending sends before backpressure")
    fetch_max_wait_ms: int = Field(
        default=20, ge=1, le=500,
        description="quix: longest the broker holds an empty fetch (librdkafka's 500 ms default queued every "
                    "other request behind it: restarts took seconds per partition); Faust's transport uses 20")
    commit_interval_s: float = Field(default=1.0, gt=0, description="offset commit interval")
    parked_retry_s: float = Field(
        default=30.0, gt=0, le=3600,
        description="a partition parked because the broker refused an output is retried after this (doubling "
                    "after each refused retry, up to 8 times as long)")
    state_cache_mb: int = Field(default=16, ge=1, description="RocksDB block cache per table partition")
    state_write_buffer_mb: int = Field(default=8, ge=1, description="RocksDB memtable size per table partition")
    store_url: SecretStr | None = Field(
        default=None, description="decision store (SQLAlchemy URL): unset = SQLite file var/service/store.db; "
                                  "production: postgresql+psycopg://user:password@host:5432/fraudstream")
    store_retention_days: int = Field(default=400, ge=1, le=36_500,
                                      description="decisions, alerts and expired blocks older than this are purged")
    service_host: str = Field(default="127.0.0.1", description="address the risk service's HTTP API listens on")
    service_port: int = Field(default=8080, ge=1, le=65535, description="port of the risk service's HTTP API")
    api_key_cache_s: float = Field(
        default=5.0, ge=0, le=300,
        description="risk service: a verified API key is trusted this long without a store read (a revoked key "
                    "stops working within this time on every replica; 0 = read the store on every request)")
    sink_enabled: bool = Field(default=True, description="the service runs the store sink (decisions, alerts, "
                                                         "blocks, control versions from their topics)")
    sink_batch_max: int = Field(default=500, ge=1, le=50_000,
                                description="records the sink writes to the store in one transaction")
    sink_batch_wait_ms: int = Field(default=200, ge=1, le=10_000,
                                    description="longest the sink waits to fill a batch")
    decision_deadlines: dict[str, ChannelDeadline] = Field(
        default=_DEFAULT_DEADLINES,
        description="decision API: per channel, the deadline and the fallback answered after it (JSON, e.g. "
                    '{"mobile": {"deadline_ms": 150, "fallback": "ALLOW"}}); other channels: 300 ms, then CHALLENGE')
    decision_replay_cache: int = Field(default=100_000, ge=0, le=10_000_000,
                                       description="decision API: recent decisions kept in memory per replica, so a "
                                                   "retry is answered before the store has them")
    purge_interval_s: int = Field(default=3600, ge=0, description="how often the service purges expired rows "
                                                                   "(0 = never; `fraudstream service purge`)")
    console_enabled: bool = Field(default=True, description="the service serves the analyst console at /console")
    console_language: Literal["zh", "en"] = Field(default="zh", description="analyst console language: zh or en")
    console_cookie_secure: bool = Field(
        default=True, description="console session cookie only over HTTPS (browsers also send it to "
                                  "http://localhost and 127.0.0.1); false only behind plain HTTP on a trusted network")
    console_session_hours: float = Field(default=8.0, gt=0, le=168, description="a console login lasts this long")
    console_login_max_failures: int = Field(default=5, ge=1, le=1000,
                                            description="failed console logins per user and client address "
                                                        "before further tries are refused for the window")
    console_login_window_s: int = Field(default=900, ge=1, description="console login rate-limit window")

    def resolved_store_url(self) -> str:
        """The store's URL; the embedded SQLite default lives under var/service/."""
        if self.store_url is not None and self.store_url.get_secret_value():
            return self.store_url.get_secret_value()
        return f"sqlite:///{ROOT / 'var' / 'service' / 'store.db'}"

    def sink_group_id(self) -> str:
        """The sink's own consumer group: its offsets never mix with the workers'."""
        return f"{self.app_id}-store-sink"

    def topic(self, name: str) -> str:
        return f"{self.topic_prefix}{name}"

    def topic_names(self) -> TopicNames:
        return TopicNames.with_prefix(self.topic_prefix)

    def limits(self) -> Limits:
        return Limits(max_bytes=self.max_message_bytes,
                      bounds=TimeBounds(self.max_future_s * 1000, self.max_age_s * 1000),
                      utc_offset_minutes=self.utc_offset_minutes, stage=self.stage_config(),
                      first_decision=FirstDecisionConfig(horizon_ms=self.first_decision_horizon_minutes * 60_000))

    def ruleset_limits(self) -> RulesetLimits:
        return RulesetLimits(max_rules=self.rules_max_rules, max_list_items=self.rules_max_list_items)

    def pipeline_config(self) -> PipelineConfig:
        return PipelineConfig(names=self.topic_names(), limits=self.limits(), score_layout=self.score_stage,
                              partitions=self.partitions)

    def store_sizing(self) -> StoreSizing:
        return StoreSizing(rocksdb=self.store.startswith("rocksdb"), cache_mb=self.state_cache_mb,
                           write_buffer_mb=self.state_write_buffer_mb)

    def stage_config(self) -> StageConfig:
        return StageConfig(lateness_ms=self.lateness_s * 1000, dedupe_capacity=self.dedupe_capacity,
                           replay_capacity=min(self.replay_capacity, self.dedupe_capacity))


class DevSettings(BaseSettings):
    """The developer tooling's environment: `make kafka-up`, `make demo`, `make bench` and the test fixtures.

    A worker never reads these. Names are the conventional ones (`JAVA_HOME`, `KAFKA_VERSION`), so each
    field names its variable.
    """

    model_config = SettingsConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    kafka_version: str = Field(default=KAFKA_VERSION, validation_alias="KAFKA_VERSION", pattern=r"^\d+\.\d+\.\d+$",
                               description="Apache Kafka version of the local broker (4.0.2 or 3.9.2 are tested)")
    external_bootstrap: str | None = Field(
        default=None, validation_alias="KAFKA_BOOTSTRAP_SERVERS", pattern=r"^[^,\s]+:\d+(,[^,\s]+:\d+)*$",
        description="set: the demo, the benchmarks and the integration tests use this cluster instead of starting "
                    "a local broker")
    cache_dir: Path = Field(default=ROOT / ".cache", validation_alias="FRAUDSTREAM_CACHE",
                            description="broker jars and local broker runs (git-ignored)")
    java_home: Path | None = Field(default=None, validation_alias="JAVA_HOME",
                                   description="the JRE (17+) that runs the local broker; unset: `java` on PATH")
    kafka_heap: str = Field(default="-Xms256m -Xmx1g", validation_alias="KAFKA_HEAP",
                            description="JVM heap flags of the local broker")
    docker_host: str | None = Field(default=None, validation_alias="DOCKER_HOST",
                                    description="tests: a Docker daemon to run the broker in when no local one starts")
    demo_duration: float = Field(default=60.0, gt=0, validation_alias="DEMO_DURATION",
                                 description="`make demo`: seconds of traffic")
    demo_rate: float = Field(default=100.0, gt=0, validation_alias="DEMO_RATE",
                             description="`make demo`: transactions per second offered")
    demo_workers: int = Field(default=1, ge=1, le=16, validation_alias="DEMO_WORKERS",
                              description="`make demo`: worker processes")


def env_name(field: str, settings: type[BaseSettings] = Settings) -> str:
    """The environment variable a settings field is read from: its first alias, else prefix + NAME.

    >>> env_name("web_port"), env_name("bootstrap_servers"), env_name("kafka_version", DevSettings)
    ('FRAUDSTREAM_WEB_PORT', 'KAFKA_BOOTSTRAP_SERVERS', 'KAFKA_VERSION')
    """
    alias = settings.model_fields[field].validation_alias
    if isinstance(alias, AliasChoices):
        return str(alias.choices[0])
    if isinstance(alias, str):
        return alias
    return f"{settings.model_config.get('env_prefix', '')}{field}".upper()


def build_settings(settings: type[S], /, **overrides: Any) -> S:
    """`settings` from the environment with `overrides` on top; a bad value is a `SettingsError` naming the
    variable, so the CLI ends in one line instead of a pydantic traceback."""
    try:
        return settings(**overrides)
    except ValidationError as err:
        problems = "; ".join(f"{_variable(e['loc'], settings)}: {e['msg']}" for e in err.errors())
        raise SettingsError(problems) from None


def _variable(loc: tuple[int | str, ...], settings: type[BaseSettings]) -> str:
    name = str(loc[0]) if loc else "?"
    return env_name(name, settings) if name in settings.model_fields else name
