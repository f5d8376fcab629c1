"""The client's address behind trusted proxies: only the right-most hop that is not a
trusted proxy is believed; whatever a client writes further left is ignored."""

from app.domain.tenancy.client import clean_user_agent, client_address, parse_networks

TRUSTED = parse_networks(["10.0.0.0/8", "127.0.0.1"])


def test_a_direct_client_is_its_peer_whatever_it_forwards():
    assert client_address("203.0.113.9", "1.2.3.4", TRUSTED) == "203.0.113.9"
    assert client_address("127.0.0.1", "1.2.3.4", ()) == "127.0.0.1"  # no trusted proxy


def test_behind_trusted_proxies_the_last_untrusted_hop_is_the_client():
    assert client_address("127.0.0.1", "198.51.100.7", TRUSTED) == "198.51.100.7"
    # The client claimed 6.6.6.6; the first proxy saw 198.51.100.7; then 10.1.2.3.
    chain = "6.6.6.6, 198.51.100.7, 10.1.2.3"
    assert client_address("127.0.0.1", chain, TRUSTED) == "198.51.100.7"
    assert client_address("127.0.0.1", "2001:db8::1", TRUSTED) == "2001:db8::1"


def test_a_malformed_or_missing_chain_keeps_the_peer():
    assert client_address("127.0.0.1", None, TRUSTED) == "127.0.0.1"
    assert client_address("127.0.0.1", "not-an-ip, 10.0.0.1", TRUSTED) == "127.0.0.1"
    assert client_address("127.0.0.1", "10.0.0.1", TRUSTED) == "127.0.0.1"  # all trusted


def test_user_agents_are_printable_and_bounded():
    assert clean_user_agent("gql/3.5\\x00\n") == "gql/3.5\\x00"
    assert clean_user_agent("a\x00b\nc") == "abc"
    assert clean_user_agent("x" * 600) == "x" * 512
    assert clean_user_agent("") is None
