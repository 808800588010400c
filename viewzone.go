package main

import (
	"time"

	"github.com/zoho2sheets/zoho2sheets/config"
	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// viewZone is where filters' relative dates (today, start_of_month) are
// resolved: the mapping's timezone, else the spreadsheet's own, else UTC.
func viewZone(cfg *config.Config, sink zsync.Sink) *time.Location {
	name := cfg.Timezone
	if z, ok := sink.(interface{ TimeZone() string }); ok && name == "" {
		name = z.TimeZone()
	}
	if loc, err := time.LoadLocation(name); err == nil && name != "" {
		return loc
	}
	return time.UTC
}
