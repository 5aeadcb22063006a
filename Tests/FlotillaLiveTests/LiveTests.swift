// Tests of FlotillaLive: order intents and reconciliation (Orders*), live candle feeds (Feed*).
import FlotillaLive
