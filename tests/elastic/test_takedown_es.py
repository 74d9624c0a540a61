"""What only the Elasticsearch takedown store has to show: with no transaction across documents,
items whose batch document was never written (a crash between the two writes) stay invisible."""

from __future__ import annotations

from search.elastic.codec_takedown import item_to_doc
from search.elastic.store import ElasticStore
from tests.contracts.takedown_contract import T0, make_batch, make_item


def test_items_of_an_unfinished_batch_are_never_shown(es_store: ElasticStore) -> None:
    orphan = make_item("crashed", 1)
    es_store._es.put("takedown_items", orphan.item_id, item_to_doc(orphan, T0))
    assert es_store.takedown_batches() == []
    assert es_store.takedown_items("crashed") == []
    assert es_store.takedown_items_by_url(orphan.media_url) == []
    kept = make_item("done", 1)
    es_store.add_takedown_batch(make_batch("done", count=1), [kept])
    assert es_store.takedown_items_by_url(orphan.media_url) == [kept]
