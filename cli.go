// The command line's conventions: flag values that say how to write them, a
// "did you mean" for an unknown command, and error text that says a fix once.

package main

import (
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// durationValue is a time.Duration flag whose parse error says how to
// write one: "--wait 15" (no unit) is the commonest slip, and the flag
// package's own message for it is a bare "parse error".
type durationValue time.Duration

func durationFlag(fs *flag.FlagSet, p *time.Duration, name string, value time.Duration, usage string) {
	*p = value
	fs.Var((*durationValue)(p), name, usage)
}

func (d *durationValue) Set(s string) error {
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration: write a number with a unit, such as 90s, 15m or 2h", s)
	}
	*d = durationValue(v)
	return nil
}

func (d *durationValue) String() string { return time.Duration(*d).String() }

// syncFlagNames are the run's flags people write without dashes
// ("zoho2sheets once").
var syncFlagNames = []string{"once", "full", "since", "module", "dry-run", "wait", "config"}

func unknownCommand(cmd string) error {
	var commands []string // the subcommands Main knows, in a stable order
	for name := range subcommands {
		if name != "" {
			commands = append(commands, name)
		}
	}
	slices.Sort(commands)
	if i := zsync.Closest(cmd, commands); i >= 0 {
		return usageErr("unknown command %q (did you mean %s?); run zoho2sheets help", cmd, commands[i])
	}
	if i := zsync.Closest(cmd, syncFlagNames); i >= 0 {
		return usageErr("unknown command %q (did you mean --%s?); run zoho2sheets help", cmd, syncFlagNames[i])
	}
	return usageErr("unknown command %q; run zoho2sheets help", cmd)
}

// errorText is err's message without its fix when the fix ends it in
// brackets: the fix is printed on a line of its own ("Try:", "fix:").
func errorText(err error, fix string) string {
	s := err.Error()
	if fix != "" {
		s = strings.TrimSuffix(s, " ("+fix+")")
	}
	return s
}
