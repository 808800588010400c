package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/zoho2sheets/zoho2sheets/config"
)

// cmdToken prints a valid Zoho access token for scripts. Tokens come from
// the on-disk token cache every command shares (see tokenCacheDir) until
// shortly before they expire, so calling it in a loop does not hit Zoho's
// limit of 10 tokens per 10 minutes.
func cmdToken(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	cfgPath := fs.String("config", "", "mapping file whose zoho.data_center to use (optional)")
	noCache := fs.Bool("no-cache", false, "always mint a new token (and cache it)")
	showDomain := fs.Bool("api-domain", false, "print the API domain on a second line")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	var cfg *config.Config
	if *cfgPath != "" {
		c, err := config.Load(*cfgPath, lookupEnv(e))
		if err != nil {
			return err
		}
		cfg = c
	}
	creds, err := zohoCredentials(cfg, e)
	if err != nil {
		return err
	}
	zc, err := newZohoClient(creds, e, quietLogger(e), nil)
	if err != nil {
		return err
	}
	get := zc.Token
	if ts := zc.TokenSource(); *noCache && ts != nil {
		get = ts.Refresh
	}
	tok, err := get(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, tok.AccessToken)
	if *showDomain {
		fmt.Fprintln(e.stdout, zc.APIDomain())
	}
	return nil
}
