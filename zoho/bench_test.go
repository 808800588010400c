package zoho

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// cannedTransport answers the token endpoint and serves n records as pages
// made up front, in-process, so a benchmark measures the client alone.
// Ids ascend across pages, as Zoho's do when a read pages by id.
type cannedTransport struct {
	n     int
	pages [][]byte // 200 records each; the last says no more follow
	meta  []byte
	calls int
}

func newCannedTransport(n int) *cannedTransport {
	t := &cannedTransport{n: n}
	recs := make([]map[string]any, 200)
	for i := range recs {
		recs[i] = map[string]any{
			"Modified_Time": "2026-01-02T10:00:00+05:30",
			"Deal_Name":     fmt.Sprintf("Deal %d — ünïcode 😀", i), "Amount": 1234.5 + float64(i), "Stage": "Qualification",
			"Closing_Date": "2026-03-01", "Account_Name": map[string]any{"name": "Zylker", "id": "5725767000000000123"},
			"Owner":     map[string]any{"name": "Pat Boyle", "id": "5725767000000000001", "email": "pat@zylker.com"},
			"$editable": true,
		}
	}
	for p := 0; p*200 < n; p++ {
		for i := range recs {
			recs[i]["id"] = strconv.Itoa(5725767000001000000 + p*200 + i)
		}
		more := (p+1)*200 < n
		body, _ := json.Marshal(map[string]any{"data": recs, "info": map[string]any{"more_records": more, "next_page_token": "x" + strconv.Itoa(p)}})
		t.pages = append(t.pages, body)
	}
	t.meta, _ = json.Marshal(map[string]any{"fields": []map[string]any{
		{"api_name": "Modified_Time", "data_type": "datetime"}, {"api_name": "Deal_Name", "data_type": "text"},
		{"api_name": "Amount", "data_type": "currency"}, {"api_name": "Stage", "data_type": "picklist"},
		{"api_name": "Closing_Date", "data_type": "date"}, {"api_name": "Account_Name", "data_type": "lookup"},
		{"api_name": "Owner", "data_type": "ownerlookup"}}})
	return t
}

func (t *cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	switch r.URL.Path {
	case "/oauth/v2/token":
		body = []byte(`{"access_token":"tok","api_domain":"https://www.zohoapis.com","expires_in":3600}`)
	case "/crm/v8/settings/fields":
		body = t.meta
	case "/crm/v8/users":
		body = []byte(`{"users":[{"id":"5725767000000000001","full_name":"Pat Boyle","email":"pat@zylker.com"}],"info":{"more_records":false}}`)
	default:
		body = t.pages[t.calls]
		if t.calls++; t.calls == len(t.pages) {
			t.calls = 0
		}
	}
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(body)), Request: r}, nil
}

// BenchmarkDecodeRecords reads 100,000 records from canned pages: the
// client's own cost per record (decode, typing, paging).
func BenchmarkDecodeRecords(b *testing.B) {
	const n = 100_000
	tr := newCannedTransport(n)
	c, err := NewClient(WithCredentials(Credentials{ClientID: "1000.X", ClientSecret: "s", RefreshToken: "r"}),
		WithHTTPClient(&http.Client{Transport: tr}), WithClock(func() time.Time { return time.Unix(0, 0) }))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Fields(ctx, "Deals"); err != nil {
		b.Fatal(err)
	}
	opts := zsync.ReadOptions{Fields: []string{"Deal_Name", "Amount", "Stage", "Closing_Date", "Account_Name", "Owner"}}
	b.ReportAllocs()
	for b.Loop() {
		read := 0
		for r, err := range c.Records(ctx, "Deals", opts) {
			if err != nil {
				b.Fatal(err)
			}
			if r.Fields["Amount"] == nil {
				b.Fatal("no amount")
			}
			read++
		}
		if read != n {
			b.Fatalf("read %d", read)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

func TestDecodeAllocsPerRecord(t *testing.T) {
	if testing.Short() {
		t.Skip()
	}
	res := testing.Benchmark(BenchmarkDecodeRecords)
	if res.N == 0 {
		t.Fatal("the benchmark failed")
	}
	perRecord := float64(res.AllocsPerOp()) / 100_000
	t.Logf("%.1f allocs/record, %s", perRecord, res)
	// Id, time, 6 values, 2 lookups' strings, the map: about 50 with encoding/json. Far more
	// means something copies per record that should not.
	if perRecord > 60 {
		t.Errorf("%.1f allocs per record", perRecord)
	}
}
