package main

import (
	"flag"
	"fmt"
	"time"
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
