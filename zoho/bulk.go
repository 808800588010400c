package zoho

import (
	"context"
	"time"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// bulkTail reads, with Bulk Read, the records modified at or after from,
// skipping the ids in seen (already yielded at exactly from).
func (c *Client) bulkTail(ctx context.Context, module string, fields []string, from time.Time,
	seen map[string]struct{}, meta map[string]zsync.Field, yield func(zsync.Record, error) bool) bool {
	panic("TODO")
}
