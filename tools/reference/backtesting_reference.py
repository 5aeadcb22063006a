"""Writes backtesting.py reference trades for Flotilla's backtest cross-check (see README.md).

    pip install backtesting==0.6.6
    python3 tools/reference/backtesting_reference.py

Writes Tests/Fixtures/reference/backtesting-sma-cross.json (the trades and final equity of each
run) and Tests/Fixtures/backtest/sma-cross.yaml (one bot spec per parameter set, the way a user
writes them: no stop-loss, no take-profit, positions sized by maxPositionPct: 100). The Swift test
(Tests/FlotillaCLITests/BacktestCrossCheckTests.swift) runs `flotilla backtest -f sma-cross.yaml
--bot NAME --data FILE --fee C --lot L --json` for every run and compares.

The strategy is backtesting.py's SmaCross: buy with all the equity on the candle after the fast
SMA crosses above the slow one (at its open), close the whole position on the candle after it
crosses below. `Backtest` trades whole units (`--lot 1`); `FractionalBacktest` with its default
fractional_unit of 1e-8 trades in steps of 10^-8 (`--lot 0.00000001`, Flotilla's default).
"""
import json, os, warnings
from decimal import Decimal
import pandas as pd
from backtesting import Backtest, Strategy
from backtesting.lib import crossover, FractionalBacktest

warnings.filterwarnings("ignore")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "Sources/FlotillaTrading/MarketData/Bundled")
OUT = os.path.join(ROOT, "Tests/Fixtures/reference")
SPEC = os.path.join(ROOT, "Tests/Fixtures/backtest/sma-cross.yaml")

# (file, symbol, interval, cash, [(fast, slow)], lots): each pair runs at commission 0 and 0.1 %.
TABLE = [
    ("GOOG-1d.csv", "GOOG-USD", "1d", 10_000, [(10, 30), (5, 20), (20, 50)], ["1", "0.00000001"]),
    ("BTCUSD-1M.csv", "BTC-USD", "30d", 1_000_000, [(3, 12)], ["1", "0.00000001"]),
    ("ETH_BTC-5m.csv", "ETH-BTC", "5m", 100, [(10, 30), (5, 20)], ["1", "0.00000001"]),
    ("LTC_BTC-5m.csv", "LTC-BTC", "5m", 100, [(8, 21)], ["1"]),
    ("DASH_BTC-5m.csv", "DASH-BTC", "5m", 100, [(12, 26)], ["0.00000001"]),
    ("ADA_BTC-5m.csv", "ADA-BTC", "5m", 1, [(10, 40)], ["1"]),
    ("XRP_ETH-5m.csv", "XRP-ETH", "5m", 10, [(3, 9)], ["1", "0.00000001"]),
]
COMMISSIONS = [0.0, 0.001]


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


def bot_name(symbol, fast, slow, cash):
    return f"{symbol.lower()}-sma-{fast}-{slow}"


def quantity(size, lot):
    if lot == "1":
        return str(int(round(size)))
    return str((Decimal(repr(float(size))) ).quantize(Decimal("0.00000001")))


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


results, bots = [], []
for name, symbol, interval, cash, pairs, lots in TABLE:
    data = load(name)
    for fast, slow in pairs:
        bot = bot_name(symbol, fast, slow, cash)
        bots.append((bot, symbol, interval, name, fast, slow, cash))
        for lot in lots:
            for commission in COMMISSIONS:
                if lot == "1":
                    bt = Backtest(data, SmaCross, cash=cash, commission=commission, finalize_trades=False)
                else:
                    bt = FractionalBacktest(data, SmaCross, cash=cash, commission=commission, finalize_trades=False,
                                            fractional_unit=1e-8)
                stats = bt.run(fast=fast, slow=slow)
                trades = stats["_trades"]
                results.append({
                    "file": name, "bot": bot, "fast": fast, "slow": slow, "cash": cash, "commission": commission, "lot": lot,
                    "finalEquity": float(stats["Equity Final [$]"]),
                    "trades": [
                        {"size": quantity(t.Size, lot), "entryTime": iso(t.EntryTime), "exitTime": iso(t.ExitTime),
                         "entryPrice": float(t.EntryPrice), "exitPrice": float(t.ExitPrice), "pnl": float(t.PnL)}
                        for t in trades.itertuples()
                    ],
                })
                print(f"{name} SMA({fast}/{slow}) lot {lot} commission {commission}: {len(trades)} trades, "
                      f"final equity {stats['Equity Final [$]']:.8f}")

with open(os.path.join(OUT, "backtesting-sma-cross.json"), "w") as f:
    json.dump({"backtesting": "0.6.6", "strategy": "SMA(fast)/SMA(slow) crossover, long-only, all-in, next-open fills",
               "generator": "tools/reference/backtesting_reference.py", "runs": results}, f, indent=1)
    f.write("\n")

os.makedirs(os.path.dirname(SPEC), exist_ok=True)
with open(SPEC, "w") as f:
    f.write("# Generated by tools/reference/backtesting_reference.py: backtesting.py's SmaCross as Flotilla bots.\n"
            "# No stop-loss and no take-profit (0 = none), so entries are sized by maxPositionPct: all the equity.\n"
            "# Limits that never bind: backtesting.py has no loss limits, minimum balance or emergency stop.\n")
    for bot, symbol, interval, name, fast, slow, cash in bots:
        f.write(f"""---
apiVersion: flotilla/v1
kind: Bot
metadata:
  name: {bot}
spec:
  profile: moderate
  market:
    symbols: [{symbol}]
    interval: {interval}
    source: {{ replay: {name} }}
  strategy: {{ kind: ma_crossover, longOnly: true, params: {{ fast: {fast}, slow: {slow} }} }}
  capital: {{ quote: {cash} }}
  risk:
    stopLossPct: 0
    takeProfitPct: 0
    maxPositionPct: 100
    minBalance: 0
    dailyLossLimitPct: 100
    weeklyLossLimitPct: 100
    monthlyLossLimitPct: 100
    emergencyStopLossPct: 100
""")
