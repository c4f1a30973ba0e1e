"""``kit.lru.BoundedLru``: at most ``maxsize`` entries, the one used longest ago goes."""

from __future__ import annotations

from kit.lru import BoundedLru


def test_put_keeps_at_most_maxsize_and_get_keeps_an_entry_in_use() -> None:
    # given: a full LRU of two
    lru: BoundedLru[str, int] = BoundedLru(2)
    lru.put("a", 1)
    lru.put("b", 2)
    # when: "a" is used, then a third entry comes
    assert lru.get("a") == 1
    lru.put("c", 3)
    # then: "b", used longest ago, went
    assert lru.get("b") is None
    assert (lru.get("a"), lru.get("c"), len(lru)) == (1, 3, 2)


def test_put_replaces_an_entry_and_get_or_make_shares_the_entries() -> None:
    # given
    lru: BoundedLru[str, int] = BoundedLru(2)
    lru.put("a", 1)
    # when
    lru.put("a", 2)
    # then
    assert lru.get("a") == 2
    assert lru.get_or_make("a", lambda: 3) == 2
    assert len(lru) == 1
