// Package builtin assembles the plugins shipped with ingestd into a
// registry. The engine knows no concrete plugin; this is the one
// place that knows them all.
package builtin

import (
	"github.com/ingestd/ingestd/filters/billing"
	"github.com/ingestd/ingestd/filters/branch"
	"github.com/ingestd/ingestd/filters/cidr"
	"github.com/ingestd/ingestd/filters/csv"
	"github.com/ingestd/ingestd/filters/date"
	"github.com/ingestd/ingestd/filters/dissect"
	"github.com/ingestd/ingestd/filters/drop"
	"github.com/ingestd/ingestd/filters/fingerprint"
	"github.com/ingestd/ingestd/filters/format"
	"github.com/ingestd/ingestd/filters/geoip"
	"github.com/ingestd/ingestd/filters/grok"
	"github.com/ingestd/ingestd/filters/json"
	"github.com/ingestd/ingestd/filters/kv"
	"github.com/ingestd/ingestd/filters/mutate"
	"github.com/ingestd/ingestd/filters/prune"
	"github.com/ingestd/ingestd/filters/split"
	"github.com/ingestd/ingestd/filters/translate"
	"github.com/ingestd/ingestd/filters/useragent"
	"github.com/ingestd/ingestd/filters/validate"
	"github.com/ingestd/ingestd/inputs/beats"
	pipelinein "github.com/ingestd/ingestd/inputs/pipeline"
	"github.com/ingestd/ingestd/inputs/tcp"
	"github.com/ingestd/ingestd/inputs/udp"
	"github.com/ingestd/ingestd/outputs/elasticsearch"
	"github.com/ingestd/ingestd/outputs/file"
	httpout "github.com/ingestd/ingestd/outputs/http"
	pipelineout "github.com/ingestd/ingestd/outputs/pipeline"
	"github.com/ingestd/ingestd/outputs/stdout"
	"github.com/ingestd/ingestd/plugin"
)

// Registry returns a registry with every shipped plugin.
func Registry() *plugin.Registry {
	r := plugin.NewRegistry()
	beats.Register(r)
	tcp.Register(r)
	udp.Register(r)
	pipelinein.Register(r)
	billing.Register(r)
	branch.Register(r)
	cidr.Register(r)
	csv.Register(r)
	date.Register(r)
	dissect.Register(r)
	drop.Register(r)
	fingerprint.Register(r)
	format.Register(r)
	geoip.Register(r)
	grok.Register(r)
	json.Register(r)
	kv.Register(r)
	mutate.Register(r)
	prune.Register(r)
	split.Register(r)
	translate.Register(r)
	useragent.Register(r)
	validate.Register(r)
	elasticsearch.Register(r)
	file.Register(r)
	httpout.Register(r)
	pipelineout.Register(r)
	stdout.Register(r)
	return r
}
