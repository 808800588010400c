package main

import (
	"crypto/sha256"
	"os"

	"github.com/rs/zerolog"

	"github.com/zoho2sheets/zoho2sheets/config"
)

// Log messages of mappingWatch.
const (
	mappingChangedMsg = "mapping file changed since the daemon started: restart the daemon to apply it (it keeps running the mapping it started with)"
	mappingBrokenMsg  = "mapping file changed and has errors: the daemon keeps running the mapping it started with; fix them, or a restart will stop on them"
)

// mappingWatch notices, before each daemon run, that the mapping file was
// edited since the daemon started. The daemon does not reload it (a new
// spreadsheet, schedule or data centre would mean new clients and a new
// timer: a restart does that cleanly), but an edit that silently changes
// nothing for weeks is worse, and a broken edit is best found before the
// restart. Each edit is reported once. Not safe for concurrent use (the
// daemon's runs never overlap).
type mappingWatch struct {
	path    string
	getenv  func(string) (string, bool)
	running [sha256.Size]byte // the content the daemon runs
	told    [sha256.Size]byte // the content last reported
}

// newMappingWatch remembers the mapping file's content now, as the one the
// daemon runs.
func newMappingWatch(path string, getenv func(string) (string, bool)) *mappingWatch {
	w := &mappingWatch{path: path, getenv: getenv}
	if b, err := os.ReadFile(path); err == nil {
		w.running = sha256.Sum256(b)
	}
	w.told = w.running
	return w
}

// check logs once per edit that the file changed, and whether the edited
// file is valid (a file:line error when not). An unreadable file (being
// replaced) is looked at again next time.
func (w *mappingWatch) check(log zerolog.Logger) {
	b, err := os.ReadFile(w.path)
	if err != nil {
		return
	}
	sum := sha256.Sum256(b)
	if sum == w.told {
		return
	}
	w.told = sum
	if sum == w.running {
		log.Info().Str("file", w.path).Msg("mapping file is back to the one the daemon runs")
		return
	}
	if _, err := config.Parse(b, w.path, w.getenv); err != nil {
		log.Error().Str("file", w.path).Err(err).Msg(mappingBrokenMsg)
		return
	}
	log.Warn().Str("file", w.path).Msg(mappingChangedMsg)
}
