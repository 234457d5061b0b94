"""newswatch's own Scrapy signal.

`start_exhausted`: a spider's start() has yielded its last request or item. The items it
yielded itself (seed documents, imported files) come from no response, so nothing else tells
the StorePipeline that no more are coming: on this signal it writes its open batch at once
instead of waiting NEWSWATCH_STORE_BATCH_S for more."""

start_exhausted = object()
