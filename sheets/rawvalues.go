package sheets

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"

	"google.golang.org/api/googleapi"
	"google.golang.org/api/sheets/v4"

	"github.com/zoho2sheets/zoho2sheets/internal/jsonenc"
)

// The two calls that move a whole tab, values.batchGet and
// values.batchUpdate, are made without the generated client's JSON
// (reflection over a boxed value per cell, and the whole body held):
// answers are streamed into a grid, requests encoded by hand. Errors are
// the client's (*googleapi.Error), so retries and messages are the same.

// getValues is values.batchGet, rows major, unformatted, dates as serials;
// filter (may be nil) thins the first range as it is read.
func (s *Spreadsheet) getValues(ctx context.Context, ranges []string, filter rowFilter) ([]*grid, error) {
	q := url.Values{"ranges": ranges, "valueRenderOption": {"UNFORMATTED_VALUE"},
		"dateTimeRenderOption": {"SERIAL_NUMBER"}, "majorDimension": {"ROWS"}, "alt": {"json"}, "prettyPrint": {"false"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.valuesURL("values:batchGet")+"?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.c.api.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if err := googleapi.CheckResponse(resp); err != nil {
		return nil, err
	}
	gs, err := decodeValueRanges(resp.Body, len(ranges), filter)
	if err != nil {
		return nil, fmt.Errorf("decode the values read: %w", err)
	}
	return gs, nil
}

// postValues is values.batchUpdate of body (see encodeValueRanges).
func (s *Spreadsheet) postValues(ctx context.Context, body valuesBody) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.valuesURL("values:batchUpdate")+"?alt=json&prettyPrint=false", body.reader())
	if err != nil {
		return err
	}
	req.ContentLength = int64(body.len())
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(body.reader()), nil }
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.c.api.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := googleapi.CheckResponse(resp); err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

func (s *Spreadsheet) valuesURL(method string) string {
	return googleapi.ResolveRelative(s.c.svc.BasePath, "v4/spreadsheets/"+url.PathEscape(s.id)+"/"+method)
}

// valueRange is one range of a values:batchUpdate request: Values, or,
// when rows is set, its rows already encoded (JSON arrays separated by
// commas, see appendRow) so that a large block of new rows is never held
// as a boxed value per cell. cells counts its non-empty cells.
type valueRange struct {
	*sheets.ValueRange
	rows  []byte
	cells int
}

// newValueRange wraps vr, counting its cells.
func newValueRange(vr *sheets.ValueRange) valueRange {
	out := valueRange{ValueRange: vr}
	for _, row := range vr.Values {
		for _, v := range row {
			if v != nil {
				out.cells++
			}
		}
	}
	return out
}

// valuesBody is the JSON of a values:batchUpdate request in parts: the
// blocks of rows already encoded (valueRange.rows) are sent as they are,
// not copied into one body next to themselves (a 1.8 MB request held
// twice).
type valuesBody [][]byte

func (b valuesBody) len() int {
	n := 0
	for _, p := range b {
		n += len(p)
	}
	return n
}

// reader reads the body from its start (each attempt of a request anew).
func (b valuesBody) reader() io.Reader {
	rs := make([]io.Reader, len(b))
	for i, p := range b {
		rs[i] = bytes.NewReader(p)
	}
	return io.MultiReader(rs...)
}

// bytes returns the body as one slice.
func (b valuesBody) bytes() []byte { return bytes.Join(b, nil) }

// encodeValueRanges returns the JSON of a RAW values:batchUpdate of data,
// as the generated client would send it.
func encodeValueRanges(data []valueRange) valuesBody {
	var parts valuesBody
	b := make([]byte, 0, 256)
	b = append(b, `{"data":[`...)
	for i, vr := range data {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"range":`...)
		b = jsonenc.AppendString(b, vr.Range)
		b = append(b, `,"values":[`...)
		if len(vr.rows) > 0 {
			parts = append(parts, b, vr.rows)
			b = make([]byte, 0, 256)
		}
		for r, row := range vr.Values {
			if r > 0 {
				b = append(b, ',')
			}
			b = appendRow(b, row)
		}
		b = append(b, "]}"...)
	}
	return append(parts, append(b, `],"valueInputOption":"RAW"}`...))
}

// appendRow appends one row of wire values as a JSON array.
func appendRow(b []byte, row []any) []byte {
	b = append(b, '[')
	for c, v := range row {
		if c > 0 {
			b = append(b, ',')
		}
		b = appendWire(b, v)
	}
	return append(b, ']')
}

// appendWire appends a wire value (see wireValue) as encoding/json would.
func appendWire(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return jsonenc.AppendString(b, x)
	case bool:
		return strconv.AppendBool(b, x)
	case float64:
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			return jsonenc.AppendFloat(b, x)
		}
	}
	j, err := json.Marshal(v)
	if err != nil {
		return append(b, "null"...) // never for wire values: JSON has no NaN, and wireValue makes none
	}
	return append(b, j...)
}
