"""Close of business (日终): `close_through` closes business dates in order; each date's run is
split into chunks of loans closed set-based in SQL (`setbased`) or one by one (`perloan`)."""

from servicing.cob.runs import close_through, finish_run, run_chunk, set_based, start_run

__all__ = ("close_through", "finish_run", "run_chunk", "set_based", "start_run")
