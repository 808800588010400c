// Command naive is the baseline the whole-process benchmark compares
// zoho2sheets with: the simplest correct clear-and-rewrite sync. It pages
// every record of one module with page_token, holds them all, clears the
// tab and writes every row in one RAW values.update. It keeps nothing a
// human adds, never runs incrementally and is not part of the product.
//
// It reads the same environment as zoho2sheets (ZOHO_CLIENT_ID,
// ZOHO_CLIENT_SECRET, ZOHO_REFRESH_TOKEN, ZOHO_ACCOUNTS_URL,
// GOOGLE_CREDENTIALS_JSON, SHEETS_ENDPOINT, SPREADSHEET_ID).
//
//	naive -module Leads -sheet Leads -fields id,Full_Name,Owner,Modified_Time
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"

	"golang.org/x/oauth2/google"
	"google.golang.org/api/option"
	"google.golang.org/api/sheets/v4"
)

func main() {
	module := flag.String("module", "Leads", "CRM module to read")
	sheet := flag.String("sheet", "Leads", "tab to overwrite")
	fields := flag.String("fields", "id,Full_Name", "comma-separated API names; a lookup shows its name")
	flag.Parse()
	n, err := run(context.Background(), *module, *sheet, strings.Split(*fields, ","))
	if err != nil {
		fmt.Fprintln(os.Stderr, "naive:", err)
		os.Exit(1)
	}
	fmt.Printf("naive: wrote %d rows\n", n)
}

func run(ctx context.Context, module, sheet string, fields []string) (int, error) {
	token, domain, err := zohoToken()
	if err != nil {
		return 0, err
	}
	header := make([]any, len(fields))
	for i, f := range fields {
		header[i] = f
	}
	rows := [][]any{header}
	q := url.Values{"fields": {strings.Join(fields, ",")}, "per_page": {"200"}}
	if module == "Leads" {
		q.Set("converted", "both") // Zoho hides converted leads by default
	}
	for page := 1; ; page++ {
		var body struct {
			Data []map[string]any `json:"data"`
			Info struct {
				MoreRecords   bool   `json:"more_records"`
				NextPageToken string `json:"next_page_token"`
			} `json:"info"`
		}
		if err := zohoGet(domain+"/crm/v8/"+module+"?"+q.Encode(), token, &body); err != nil {
			return 0, err
		}
		for _, rec := range body.Data {
			row := make([]any, len(fields))
			for i, f := range fields {
				row[i] = cellOf(rec[f])
			}
			rows = append(rows, row)
		}
		if !body.Info.MoreRecords {
			break
		}
		q.Set("page_token", body.Info.NextPageToken)
	}

	creds, err := google.JWTConfigFromJSON([]byte(os.Getenv("GOOGLE_CREDENTIALS_JSON")), sheets.SpreadsheetsScope)
	if err != nil {
		return 0, err
	}
	opts := []option.ClientOption{option.WithTokenSource(creds.TokenSource(ctx))}
	if ep := os.Getenv("SHEETS_ENDPOINT"); ep != "" {
		opts = append(opts, option.WithEndpoint(ep))
	}
	svc, err := sheets.NewService(ctx, opts...)
	if err != nil {
		return 0, err
	}
	id := os.Getenv("SPREADSHEET_ID")
	if err := fitTab(ctx, svc, id, sheet, int64(len(rows)), int64(len(fields))); err != nil {
		return 0, err
	}
	rng := "'" + strings.ReplaceAll(sheet, "'", "''") + "'"
	if _, err := svc.Spreadsheets.Values.Clear(id, rng, &sheets.ClearValuesRequest{}).Context(ctx).Do(); err != nil {
		return 0, fmt.Errorf("clear: %w", err)
	}
	_, err = svc.Spreadsheets.Values.Update(id, rng+"!A1", &sheets.ValueRange{Values: rows}).
		ValueInputOption("RAW").Context(ctx).Do()
	if err != nil {
		return 0, fmt.Errorf("write: %w", err)
	}
	return len(rows) - 1, nil
}

// cellOf is what a naive sync writes for one JSON value: lookups show
// their name, everything else as decoded.
func cellOf(v any) any {
	switch x := v.(type) {
	case nil:
		return ""
	case map[string]any:
		return cellOf(x["name"])
	case []any:
		return fmt.Sprint(x...)
	}
	return v
}

// fitTab creates the tab, or grows its grid, so that rows × cols fit.
func fitTab(ctx context.Context, svc *sheets.Service, id, sheet string, rows, cols int64) error {
	ss, err := svc.Spreadsheets.Get(id).Fields("sheets.properties").Context(ctx).Do()
	if err != nil {
		return fmt.Errorf("get spreadsheet: %w", err)
	}
	var reqs []*sheets.Request
	var tab *sheets.SheetProperties
	for _, s := range ss.Sheets {
		if s.Properties != nil && s.Properties.Title == sheet {
			tab = s.Properties
		}
	}
	switch {
	case tab == nil:
		reqs = append(reqs, &sheets.Request{AddSheet: &sheets.AddSheetRequest{Properties: &sheets.SheetProperties{
			Title: sheet, GridProperties: &sheets.GridProperties{RowCount: rows, ColumnCount: cols}}}})
	case tab.GridProperties.RowCount < rows:
		reqs = append(reqs, &sheets.Request{AppendDimension: &sheets.AppendDimensionRequest{
			SheetId: tab.SheetId, Dimension: "ROWS", Length: rows - tab.GridProperties.RowCount, ForceSendFields: []string{"SheetId"}}})
	}
	if len(reqs) == 0 {
		return nil
	}
	_, err = svc.Spreadsheets.BatchUpdate(id, &sheets.BatchUpdateSpreadsheetRequest{Requests: reqs}).Context(ctx).Do()
	if err != nil {
		return fmt.Errorf("size tab: %w", err)
	}
	return nil
}

func zohoToken() (token, domain string, err error) {
	form := url.Values{"grant_type": {"refresh_token"}, "client_id": {os.Getenv("ZOHO_CLIENT_ID")},
		"client_secret": {os.Getenv("ZOHO_CLIENT_SECRET")}, "refresh_token": {os.Getenv("ZOHO_REFRESH_TOKEN")}}
	resp, err := http.PostForm(os.Getenv("ZOHO_ACCOUNTS_URL")+"/oauth/v2/token", form)
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	var t struct {
		AccessToken string `json:"access_token"`
		APIDomain   string `json:"api_domain"`
		Error       string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&t); err != nil {
		return "", "", fmt.Errorf("zoho token: %w", err)
	}
	if t.AccessToken == "" {
		return "", "", fmt.Errorf("zoho token: %s", t.Error)
	}
	return t.AccessToken, t.APIDomain, nil
}

func zohoGet(u, token string, out any) error {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Zoho-oauthtoken "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New("zoho: " + resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
