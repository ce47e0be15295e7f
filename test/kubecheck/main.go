// kubecheck decodes the Kubernetes manifests of a kustomize directory strictly into the real API types
// (k8s.io/api) and prints them as JSON, or exits 1 naming the file, the document and the bad field.
//
// Usage: kubecheck DIR. DIR/kustomization.yaml may hold apiVersion, kind and resources only: the check reads
// the files as written, so a transformer (labels, namePrefix, patches...) that would change them is refused.
// Each resource is a YAML file in DIR, of one or more documents, each one of the kinds below. A document is
// converted to JSON (sigs.k8s.io/yaml, duplicate keys refused) and decoded twice: by sigs.k8s.io/json's strict
// mode, the API server's own decoder, which names each unknown field by its path and, unlike encoding/json,
// refuses one written in another case; then by encoding/json with unknown fields and trailing data refused.
//
// On success it prints {"resources": [...], "objects": {"Kind/name": object}}, each object re-marshalled from
// its typed value (so quantities are canonical and unset fields absent).
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// The kinds a manifest may be, by "apiVersion kind"; any other is an error.
var kinds = map[string]func() any{
	"apps/v1 Deployment":            func() any { return &appsv1.Deployment{} },
	"v1 Service":                    func() any { return &corev1.Service{} },
	"v1 ConfigMap":                  func() any { return &corev1.ConfigMap{} },
	"v1 Secret":                     func() any { return &corev1.Secret{} },
	"policy/v1 PodDisruptionBudget": func() any { return &policyv1.PodDisruptionBudget{} },
}

type kustomization struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Resources  []string `json:"resources"`
}

type header struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
}

type output struct {
	Resources []string                   `json:"resources"`
	Objects   map[string]json.RawMessage `json:"objects"`
}

// decodeStrict decodes one JSON document into v, refusing unknown, duplicate and miscased fields and trailing data.
func decodeStrict(data []byte, v any) error {
	// sigs.k8s.io/json first: the API server's decoder, case-sensitive, naming each bad field by its path.
	strictErrs, err := kjson.UnmarshalStrict(data, reflect.New(reflect.TypeOf(v).Elem()).Interface())
	if err != nil {
		return err
	}
	if len(strictErrs) > 0 {
		msgs := make([]string, len(strictErrs))
		for i, e := range strictErrs {
			msgs[i] = e.Error()
		}
		return errors.New(strings.Join(msgs, "; "))
	}
	// Then encoding/json, into v: unknown fields refused, and nothing may follow the document.
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("trailing data after the document")
	}
	return nil
}

// yamlFile converts the documents of one YAML file to JSON, skipping empty ones.
func yamlFile(path string) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	reader := utilyaml.NewYAMLReader(bufio.NewReader(f))
	var docs [][]byte
	for n := 1; ; n++ {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		data, err := yaml.YAMLToJSONStrict(doc)
		if err != nil {
			// A duplicate key's message spans lines: one line each, as every other message.
			return nil, fmt.Errorf("document %d: %s", n, strings.Join(strings.Fields(err.Error()), " "))
		}
		if string(data) == "null" {
			continue
		}
		docs = append(docs, data)
	}
}

func check(dir string) (*output, error) {
	kfile := filepath.Join(dir, "kustomization.yaml")
	docs, err := yamlFile(kfile)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", kfile, err)
	}
	if len(docs) != 1 {
		return nil, fmt.Errorf("%s: %d documents, want 1", kfile, len(docs))
	}
	var k kustomization
	if err := decodeStrict(docs[0], &k); err != nil {
		return nil, fmt.Errorf("%s: %w (only apiVersion, kind and resources are read)", kfile, err)
	}
	if k.APIVersion != "kustomize.config.k8s.io/v1beta1" || k.Kind != "Kustomization" {
		return nil, fmt.Errorf("%s: apiVersion %q kind %q, want kustomize.config.k8s.io/v1beta1 Kustomization", kfile, k.APIVersion, k.Kind)
	}
	if len(k.Resources) == 0 {
		return nil, fmt.Errorf("%s: no resources", kfile)
	}
	out := &output{Resources: k.Resources, Objects: map[string]json.RawMessage{}}
	seen := map[string]bool{}
	for _, res := range k.Resources {
		ext := filepath.Ext(res)
		if filepath.Base(res) != res || (ext != ".yaml" && ext != ".yml") {
			return nil, fmt.Errorf("%s: resource %q: want a .yaml file in the same directory", kfile, res)
		}
		if seen[res] {
			return nil, fmt.Errorf("%s: resource %q listed twice", kfile, res)
		}
		seen[res] = true
		file := filepath.Join(dir, res)
		docs, err := yamlFile(file)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if len(docs) == 0 {
			return nil, fmt.Errorf("%s: no documents", file)
		}
		for i, data := range docs {
			where := fmt.Sprintf("%s: document %d", file, i+1)
			var h header
			if err := json.Unmarshal(data, &h); err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			gvk := h.APIVersion + " " + h.Kind
			newObj, ok := kinds[gvk]
			if !ok {
				return nil, fmt.Errorf("%s: apiVersion %q kind %q is not one kubecheck knows", where, h.APIVersion, h.Kind)
			}
			where += " (" + gvk + ")"
			obj := newObj()
			if err := decodeStrict(data, obj); err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			if h.Metadata.Name == "" {
				return nil, fmt.Errorf("%s: no metadata.name", where)
			}
			key := h.Kind + "/" + h.Metadata.Name
			if _, dup := out.Objects[key]; dup {
				return nil, fmt.Errorf("%s: %s defined twice", where, key)
			}
			out.Objects[key], err = json.Marshal(obj)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
		}
	}
	return out, nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: kubecheck DIR")
		os.Exit(2)
	}
	out, err := check(os.Args[1])
	if err != nil {
		fmt.Fprintf(os.Stderr, "kubecheck: %v\n", err)
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(out); err != nil {
		fmt.Fprintf(os.Stderr, "kubecheck: %v\n", err)
		os.Exit(1)
	}
}
