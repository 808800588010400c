package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/zoho2sheets/zoho2sheets/config"
	zsync "github.com/zoho2sheets/zoho2sheets/sync"
	"github.com/zoho2sheets/zoho2sheets/zoho"
)

// setupClient is the Zoho client of the set-up commands: credentials from
// the environment, the data centre from the mapping when one is given.
func setupClient(e env, cfgPath string) (*zoho.Client, *config.Config, error) {
	var cfg *config.Config
	if cfgPath != "" {
		c, err := config.Load(cfgPath, lookupEnv(e))
		if err != nil {
			return nil, nil, err
		}
		cfg = c
	}
	creds, err := zohoCredentials(cfg, e)
	if err != nil {
		return nil, nil, err
	}
	zc, err := newZohoClient(creds, e, quietLogger(e), nil)
	return zc, cfg, err
}

// cmdFields lists a module's fields, or the modules when none is named.
func cmdFields(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("fields", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	cfgPath := fs.String("config", "", "mapping file whose zoho.data_center to use (optional)")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	module := fs.Arg(0)
	if fs.NArg() > 1 {
		// Flags after the module name: fields Leads --config mapping.yaml.
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			return flagErr(err)
		}
		if fs.NArg() > 0 {
			return usageErr("fields takes one module name, e.g. zoho2sheets fields Leads")
		}
	}
	zc, _, err := setupClient(e, *cfgPath)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	defer tw.Flush()
	if module == "" {
		mods, err := zc.Modules(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintln(tw, "MODULE\tLABEL")
		for _, m := range mods {
			if m.APISupported {
				fmt.Fprintf(tw, "%s\t%s\n", m.APIName, m.Label)
			}
		}
		return nil
	}
	schema, err := zsync.LoadSchema(ctx, zc, module, nil) // names a mistyped module's nearest
	if err != nil {
		return err
	}
	fields := schema.Fields
	fmt.Fprintln(tw, "API NAME\tLABEL\tTYPE\tLOOKUP")
	for _, f := range fields {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", f.APIName, f.Label, f.DataType, f.LookupModule)
	}
	return nil
}

// cmdInit writes a starter mapping.yaml from the modules' field metadata.
func cmdInit(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	var modules multiFlag
	fs.Var(&modules, "module", "module to map (repeatable; default Leads, Contacts, Deals)")
	out := fs.String("out", "mapping.yaml", "file to write")
	force := fs.Bool("force", false, "overwrite an existing file")
	spreadsheet := fs.String("spreadsheet", "${SPREADSHEET_ID}", "spreadsheet id or URL to put in the mapping")
	dc := fs.String("dc", "", "data centre to read the fields from and put in the mapping (default $ZOHO_DC or us)")
	maxCols := fs.Int("max-columns", 20, "most columns per module")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if *maxCols < 1 {
		return usageErr("--max-columns %d: use 1 or more (the count includes the Zoho ID column)", *maxCols)
	}
	if len(modules) == 0 {
		modules = multiFlag{"Leads", "Contacts", "Deals"}
	}
	if !*force {
		if _, err := os.Stat(*out); err == nil {
			return usageErr("%s exists: pass --force to overwrite it, or --out another file", *out)
		}
	}
	if *dc == "" {
		*dc = e.getenv("ZOHO_DC")
	} else if _, err := lookupDC(*dc, "--dc"); err != nil {
		return err
	} else {
		// The fields are read from the data centre the mapping is for.
		e = withEnv(e, map[string]string{"ZOHO_DC": *dc})
	}
	zc, _, err := setupClient(e, "")
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# zoho2sheets mapping, written by `zoho2sheets init`. Edit freely: see README.md.\n")
	fmt.Fprintf(&b, "spreadsheet_id: %s  # id or full URL; ${VAR} expands from the environment\n", yamlScalar(*spreadsheet))
	fmt.Fprintf(&b, "schedule: \"0 6 * * *\"  # daemon mode only (robfig/cron; prefix CRON_TZ=Zone for a time zone)\n")
	if *dc != "" {
		fmt.Fprintf(&b, "zoho:\n  data_center: %s\n", yamlScalar(*dc))
	}
	fmt.Fprintf(&b, "modules:\n")
	for _, mod := range modules {
		schema, err := zsync.LoadSchema(ctx, zc, mod, nil)
		if err != nil {
			return fmt.Errorf("--module %s: %w", mod, err)
		}
		fields := schema.Fields
		fmt.Fprintf(&b, "  - module: %s\n    sheet: %s\n    on_delete: remove\n    columns:\n", yamlScalar(mod), yamlScalar(mod))
		fmt.Fprintf(&b, "      - { header: Zoho ID, field: id }\n")
		for _, c := range starterColumns(fields, *maxCols-1) {
			fmt.Fprintf(&b, "      - %s\n", c)
		}
	}
	if err := os.WriteFile(*out, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", *out, err)
	}
	fmt.Fprintf(e.stderr, "wrote %s with %d module(s); check it with: zoho2sheets check --config %s\n", *out, len(modules), *out)
	return nil
}

// starterColumns picks the fields a sales team usually wants: visible,
// single-valued ones, lookups by name, in metadata order.
func starterColumns(fields []zsync.Field, max int) []string {
	var out []string
	seen := map[string]bool{"zoho id": true}
	for _, f := range fields {
		if len(out) >= max {
			break
		}
		path, join := f.APIName, ""
		switch f.DataType {
		case "bigint":
			if f.APIName == "id" {
				continue
			}
		case "subform", "fileupload", "imageupload", "profileimage", "multiselectlookup",
			"multiuserlookup", "multi_module_lookup", "consent_lookup", "event_reminder", "RRULE", "ALARM":
			continue
		case "lookup", "ownerlookup", "userlookup":
			path += ".name"
		case "multiselectpicklist":
			join = ", "
		case "textarea":
			continue // long text makes a sheet hard to read; add it by hand if wanted
		}
		if f.APIName == "Tag" {
			path, join = "Tag.name", ", "
		}
		if strings.HasPrefix(f.APIName, "$") {
			continue
		}
		header := f.Label
		if header == "" {
			header = f.APIName
		}
		if seen[strings.ToLower(header)] {
			header = f.APIName
		}
		if seen[strings.ToLower(header)] {
			continue
		}
		seen[strings.ToLower(header)] = true
		line := fmt.Sprintf("{ header: %s, field: %s", yamlScalar(header), yamlScalar(path))
		if join != "" {
			line += `, join: ", "`
		}
		out = append(out, line+" }")
	}
	return out
}

// yamlScalar quotes s when YAML would not read it back as the same string.
func yamlScalar(s string) string {
	plain := s != "" && !strings.ContainsAny(s, ":#{}[],&*!|>'\"%@`") &&
		strings.TrimSpace(s) == s && !strings.HasPrefix(s, "-") && !strings.HasPrefix(s, "?")
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "null", "~":
		plain = false
	}
	if plain || strings.HasPrefix(s, "${") && !strings.ContainsAny(s, " \"'#") {
		return s
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
