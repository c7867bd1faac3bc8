"""Backtest: run a candidate ruleset (and optional model) over history through the streaming handlers,
measure it against the labels, and diff it against the deployed ruleset.

    history = from_simulation(SimConfig(seed=7, customers=600, days=10))
    result = await run_backtest(history, (cand, strategy_source(cand, settings)), None)
    build_report(result)["candidate"]["overall"]["auc"]
"""

from app.backtest.exceptions import BacktestError
from app.backtest.history import History, from_file, from_sim_records, from_simulation, from_topics
from app.backtest.report import build_report, write_report
from app.backtest.runner import Backtest, Metrics, decide_all, run_backtest
from app.backtest.strategies import RulesetText, resolve_baseline, strategy_source

__all__ = ["Backtest", "BacktestError", "History", "Metrics", "RulesetText", "build_report", "decide_all",
           "from_file", "from_sim_records", "from_simulation", "from_topics", "resolve_baseline", "run_backtest",
           "strategy_source", "write_report"]
