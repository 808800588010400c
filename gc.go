package main

import "runtime/debug"

// tuneGC has the garbage collector start a cycle when the heap has grown
// by half since the last one, instead of Go's default of doubling, unless
// GOGC says otherwise. A run's bulk — the packed table, the tab read — is
// pointer-free, so the extra cycles cost little CPU and the peak memory of
// a large run drops by about an eighth (BENCHMARKS.md).
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
}
