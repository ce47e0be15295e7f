// promparse reads the Prometheus text exposition format on stdin with the parser Prometheus itself uses
// (github.com/prometheus/common/expfmt) and prints its metric families as JSON, or exits 1 with the parse error.
//
// Each family is {"type": "COUNTER"|"GAUGE"|"HISTOGRAM"|..., "metrics": [{"labels": {...}, "value": "..."}]};
// a value is a string (it may be +Inf or NaN): a counter's, gauge's or untyped value, or a histogram's or
// summary's sample count.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

type metric struct {
	Labels map[string]string `json:"labels"`
	Value  string            `json:"value"`
}

type family struct {
	Type    string   `json:"type"`
	Metrics []metric `json:"metrics"`
}

func valueOf(m *dto.Metric) string {
	var v float64
	switch {
	case m.Counter != nil:
		v = m.Counter.GetValue()
	case m.Gauge != nil:
		v = m.Gauge.GetValue()
	case m.Untyped != nil:
		v = m.Untyped.GetValue()
	case m.Histogram != nil:
		return strconv.FormatUint(m.Histogram.GetSampleCount(), 10)
	case m.Summary != nil:
		return strconv.FormatUint(m.Summary.GetSampleCount(), 10)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func main() {
	var parser expfmt.TextParser
	families, err := parser.TextToMetricFamilies(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out := map[string]family{}
	for name, mf := range families {
		f := family{Type: mf.GetType().String(), Metrics: []metric{}}
		for _, m := range mf.Metric {
			labels := map[string]string{}
			for _, l := range m.Label {
				labels[l.GetName()] = l.GetValue()
			}
			f.Metrics = append(f.Metrics, metric{Labels: labels, Value: valueOf(m)})
		}
		out[name] = f
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
