"""Writes TA-Lib reference values for Flotilla's indicator tests (see README.md)."""
import json, os, numpy as np, talib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "Sources/FlotillaTrading/MarketData/Bundled")
OUT = os.path.join(ROOT, "Tests/Fixtures/reference")

def load(name):
    rows = [l.strip().split(",") for l in open(os.path.join(DATA, name)).readlines()[1:] if l.strip()]
    cols = list(zip(*rows))
    return {k: np.array([float(x) for x in cols[i + 1]]) for i, k in enumerate(["open", "high", "low", "close", "volume"])}

def series(a):
    return [None if np.isnan(x) else float(repr(x) and x) for x in a]

for name in ["ETH_BTC-5m.csv", "GOOG-1d.csv"]:
    d = load(name)
    c, h, l = d["close"], d["high"], d["low"]
    macd, signal, hist = talib.MACD(c, 12, 26, 9)
    upper, middle, lower = talib.BBANDS(c, 20, 2, 2, 0)
    out = {
        "file": name, "talib": talib.__version__,
        "sma10": series(talib.SMA(c, 10)), "sma30": series(talib.SMA(c, 30)), "ema12": series(talib.EMA(c, 12)),
        "rsi14": series(talib.RSI(c, 14)), "macd": series(macd), "macdSignal": series(signal), "macdHist": series(hist),
        "bbUpper": series(upper), "bbMiddle": series(middle), "bbLower": series(lower), "atr14": series(talib.ATR(h, l, c, 14)),
    }
    with open(os.path.join(OUT, "talib-" + name.replace(".csv", ".json")), "w") as f:
        json.dump(out, f, separators=(",", ":"))
    print("wrote", name)
