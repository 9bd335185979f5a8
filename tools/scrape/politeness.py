"""robots.txt for every request, including those queued while robots.txt is still loading.

Scrapy 2.19's ``RobotsTxtMiddleware`` lets every request that arrives while a host's
robots.txt is being fetched await the same Deferred. Under the asyncio reactor each
await attaches a callback that returns None, so only the first waiter sees the parser
and the others see None, which means "no robots.txt": they are crawled even when
disallowed. Here each waiter gets its own Deferred fed from the shared one, which
passes the parser on unchanged.
"""

from __future__ import annotations

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """``RobotsTxtMiddleware`` whose concurrent waiters all receive the parsed robots.txt."""

    async def robot_parser(self, request):
        pending = self._parsers.get(urlparse_cached(request).netloc)
        if isinstance(pending, Deferred):
            waiter: Deferred = Deferred()

            def relay(result):
                waiter.callback(result)
                return result  # keep the result for the next waiter on the shared Deferred

            pending.addBoth(relay)
            return await maybe_deferred_to_future(waiter)
        return await super().robot_parser(request)
