"""Development-only code: the scripted demo, the test and benchmark harness, the README
generator. Nothing here runs in `pilot-bot serve`, `socket` or `scheduler`; the product
is bot/, handlers/, schedules/ and storage/ (`pilot-bot demo` imports the demo on use)."""
