from faust.transport import drivers

from app import kafka_transport


def test_the_scheme_resolves_to_our_transport():
    kafka_transport.register()
    assert drivers.by_url("fskafka://127.0.0.1:9092") is kafka_transport.Transport


def test_our_consumer_builds_the_short_poll_consumer_thread():
    thread_factory = kafka_transport.Transport.Consumer._new_consumer_thread
    assert thread_factory is not drivers.aiokafka.Consumer._new_consumer_thread
    assert kafka_transport.FETCH_MAX_WAIT_MS < 1500

