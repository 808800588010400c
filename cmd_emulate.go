package main

import (
	"context"
	"flag"
	"fmt"
	"sort"

	"github.com/zoho2sheets/zoho2sheets/zoho/zohotest"
)

// cmdEmulate serves both emulators on loopback ports until interrupted and
// prints the environment that points zoho2sheets at them, so every command
// can be tried by hand without a Zoho or Google account.
func cmdEmulate(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("emulate", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	leads := fs.Int("leads", 50, "Leads in the emulated CRM")
	contacts := fs.Int("contacts", 30, "Contacts")
	accounts := fs.Int("accounts", 20, "Accounts")
	deals := fs.Int("deals", 30, "Deals")
	seed := fs.Int64("seed", 1, "seed of the generated data")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	em, err := startEmulators(zohotest.Options{Seed: *seed, Records: map[string]int{
		"Leads": *leads, "Contacts": *contacts, "Accounts": *accounts, "Deals": *deals}})
	if err != nil {
		return err
	}
	defer em.Stop()
	keys := make([]string, 0, len(em.env))
	for k := range em.env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintln(e.stdout, "# Emulated Zoho CRM and Google Sheets are running. In another shell:")
	for _, k := range keys {
		fmt.Fprintf(e.stdout, "export %s=%s\n", k, shellQuote(em.env[k]))
	}
	fmt.Fprintln(e.stdout, "# then e.g.: go run . --once --config demo_mapping.yaml && go run . check --config demo_mapping.yaml")
	fmt.Fprintln(e.stderr, "Press Ctrl-C to stop.")
	select {
	case <-e.signals:
	case <-ctx.Done():
	}
	return nil
}

func shellQuote(s string) string {
	out := "'"
	for _, r := range s {
		if r == '\'' {
			out += `'\''`
		} else {
			out += string(r)
		}
	}
	return out + "'"
}
