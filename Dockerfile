# fraudstream worker image.
#   docker build -t fraudstream:0.1.0 .
#   docker run --rm -e KAFKA_BOOTSTRAP_SERVERS=kafka:9092 -e FRAUDSTREAM_ADMIN_TOKEN=... fraudstream:0.1.0
# The default command is `fraudstream worker`; the datadir (RocksDB state) lives under the volume
# /var/lib/fraudstream, one sub-directory per worker process (deploy/ passes --datadir).
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    FRAUDSTREAM_DATADIR=/var/lib/fraudstream/worker \
    FRAUDSTREAM_WEB_PORT=6066 \
    FRAUDSTREAM_RULESET_PATH=/opt/fraudstream/rules/starter.yaml \
    FRAUDSTREAM_POLICY_PATH=/opt/fraudstream/rules/policy.yaml \
    FRAUDSTREAM_RESPONSES_PATH=/opt/fraudstream/rules/responses.yaml

# rocksdict, numpy, orjson ship manylinux wheels: no compiler needed in the image.
WORKDIR /opt/fraudstream
COPY . /tmp/src
# The runtime core only (no [tools]: charts and Parquet are offline work), at the versions CI tested
# (requirements.lock as constraints). Shipped rulesets (rules/ is data, not a Python package) are copied next
# to the working directory.
RUN pip install --constraint=/tmp/src/requirements.lock /tmp/src \
    && if [ -d /tmp/src/rules ]; then cp -r /tmp/src/rules /opt/fraudstream/rules; fi \
    && rm -rf /tmp/src

# Non-root user with a fixed uid/gid so Kubernetes' fsGroup / runAsUser can match it.
RUN groupadd --system --gid 10001 fraudstream \
    && useradd --system --uid 10001 --gid 10001 --home-dir /opt/fraudstream --shell /usr/sbin/nologin fraudstream \
    && mkdir -p /var/lib/fraudstream \
    && chown -R 10001:10001 /var/lib/fraudstream
USER 10001:10001

# RocksDB tables; a named volume mounted here inherits the ownership set above.
VOLUME ["/var/lib/fraudstream"]
EXPOSE 6066

ENTRYPOINT ["fraudstream"]
CMD ["worker"]
