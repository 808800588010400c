package zohotest

func (c *call) bulk(seg []string) { c.fail(errInvalidURL()) }

type bulkJob struct{}
