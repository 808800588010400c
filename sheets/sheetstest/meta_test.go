package sheetstest

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"google.golang.org/api/sheets/v4"
)

func spreadsheetMeta(key, value string, id int64) *sheets.Request {
	return &sheets.Request{CreateDeveloperMetadata: &sheets.CreateDeveloperMetadataRequest{DeveloperMetadata: &sheets.DeveloperMetadata{
		MetadataId: id, MetadataKey: key, MetadataValue: value, Location: &sheets.DeveloperMetadataLocation{Spreadsheet: true}, Visibility: "DOCUMENT"}}}
}

func byID(id int64) *sheets.DataFilter {
	return &sheets.DataFilter{DeveloperMetadataLookup: &sheets.DeveloperMetadataLookup{MetadataId: id}}
}

// Google applies each batchUpdate whole, one after the other: a batch that
// deletes every "x" and creates one leaves exactly one "x", however many
// run at once. The run lease depends on it.
func TestConcurrentBatchUpdatesApplyOneAfterTheOther(t *testing.T) {
	e := newEnv(t, Options{NoListener: true, WriteQuota: -1, ReadQuota: -1})
	e.srv.OnRequest(func(*http.Request) { time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond) })
	var wg sync.WaitGroup
	for i := range 24 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			del := &sheets.Request{DeleteDeveloperMetadata: &sheets.DeleteDeveloperMetadataRequest{DataFilter: &sheets.DataFilter{
				DeveloperMetadataLookup: &sheets.DeveloperMetadataLookup{MetadataKey: "x"}}}}
			if _, err := batch(e, del, spreadsheetMeta("x", fmt.Sprint(i), 0)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	n := 0
	for _, m := range e.srv.Metadata(e.id) {
		if m.Key == "x" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d entries keyed x, want 1: batches interleaved", n)
	}
}

func TestMetadataChosenIDsAndRepliesOfUpdateAndDelete(t *testing.T) {
	modes(t, Options{}, func(t *testing.T, e *env) {
		resp := must[*sheets.BatchUpdateSpreadsheetResponse](t)(batch(e, spreadsheetMeta("lease", "a", 77)))
		if got := resp.Replies[0].CreateDeveloperMetadata.DeveloperMetadata.MetadataId; got != 77 {
			t.Fatalf("created id %d, want the chosen 77", got)
		}
		_, err := batch(e, spreadsheetMeta("lease", "b", 77))
		apiErr(t, err, 400)
		_, err = batch(e, spreadsheetMeta("lease", "b", 1<<31))
		apiErr(t, err, 400)

		upd := func(id int64) []*sheets.DeveloperMetadata {
			t.Helper()
			r := must[*sheets.BatchUpdateSpreadsheetResponse](t)(batch(e, &sheets.Request{UpdateDeveloperMetadata: &sheets.UpdateDeveloperMetadataRequest{
				DataFilters: []*sheets.DataFilter{byID(id)}, DeveloperMetadata: &sheets.DeveloperMetadata{MetadataValue: "renewed"}, Fields: "metadataValue"}}))
			return r.Replies[0].UpdateDeveloperMetadata.DeveloperMetadata
		}
		if got := upd(77); len(got) != 1 || got[0].MetadataId != 77 || got[0].MetadataValue != "renewed" {
			t.Fatalf("update reply %+v, want entry 77 renewed", got)
		}
		del := func(id int64) []*sheets.DeveloperMetadata {
			t.Helper()
			r := must[*sheets.BatchUpdateSpreadsheetResponse](t)(batch(e, &sheets.Request{DeleteDeveloperMetadata: &sheets.DeleteDeveloperMetadataRequest{DataFilter: byID(id)}}))
			return r.Replies[0].DeleteDeveloperMetadata.DeletedDeveloperMetadata
		}
		if got := del(77); len(got) != 1 || got[0].MetadataId != 77 {
			t.Fatalf("delete reply %+v, want entry 77", got)
		}
		// Matching nothing is no error; the replies say nothing was touched.
		if got := upd(77); len(got) != 0 {
			t.Fatalf("update of a deleted entry replied %+v", got)
		}
		if got := del(77); len(got) != 0 {
			t.Fatalf("second delete replied %+v", got)
		}
	})
}
