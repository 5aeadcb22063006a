"""Writes backtesting.py reference trades for Flotilla's backtest cross-check (see README.md)."""
import json, os, warnings
import pandas as pd
from backtesting import Backtest, Strategy
from backtesting.lib import crossover

warnings.filterwarnings("ignore")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "Sources/FlotillaTrading/MarketData/Bundled")
OUT = os.path.join(ROOT, "Tests/Fixtures/reference")

def sma(values, n):
    return pd.Series(values).rolling(n).mean()

class SmaCross(Strategy):
    fast, slow = 10, 30

    def init(self):
        self.f = self.I(sma, self.data.Close, self.fast)
        self.s = self.I(sma, self.data.Close, self.slow)

    def next(self):
        if crossover(self.f, self.s) and not self.position:
            self.buy()
        elif crossover(self.s, self.f) and self.position:
            self.position.close()

def load(name):
    df = pd.read_csv(os.path.join(DATA, name), parse_dates=["timestamp"], index_col="timestamp")
    df.index = df.index.tz_localize(None)
    return df.rename(columns=str.capitalize)

results = []
for name, cash in [("GOOG-1d.csv", 10_000), ("ETH_BTC-5m.csv", 100)]:
    data = load(name)
    for commission in [0.0, 0.001]:
        bt = Backtest(data, SmaCross, cash=cash, commission=commission, finalize_trades=False)
        stats = bt.run()
        trades = stats["_trades"]
        results.append({
            "file": name, "cash": cash, "commission": commission,
            "finalEquity": float(stats["Equity Final [$]"]),
            "trades": [
                {"size": int(t.Size), "entryTime": t.EntryTime.strftime("%Y-%m-%dT%H:%M:%SZ"), "exitTime": t.ExitTime.strftime("%Y-%m-%dT%H:%M:%SZ"),
                 "entryPrice": float(t.EntryPrice), "exitPrice": float(t.ExitPrice), "pnl": float(t.PnL)}
                for t in trades.itertuples()
            ],
        })
        print(name, commission, len(trades), "trades, final equity", stats["Equity Final [$]"])

with open(os.path.join(OUT, "backtesting-sma-cross.json"), "w") as f:
    json.dump({"backtesting": "0.6.6", "strategy": "SMA(10)/SMA(30) crossover, long-only, all-in", "runs": results}, f, indent=1)
