package elasticsearch

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	es "github.com/elastic/go-elasticsearch/v8"
)

// CheckOnline is validate --online for one output: the cluster answers,
// accepts the credentials, and every data stream name (field references
// given as *) matches an index template with data_stream. It returns one
// message per problem.
func CheckOnline(ctx context.Context, cfg *Config, streams []string) []string {
	tlsCfg, err := cfg.TLS.build()
	if err != nil {
		return []string{err.Error()}
	}
	client, err := es.NewClient(es.Config{Addresses: cfg.Hosts, Username: cfg.Username, Password: cfg.Password, APIKey: cfg.APIKey,
		Transport: transportFor(tlsCfg, 1), DisableRetry: true})
	if err != nil {
		return []string{err.Error()}
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	res, err := client.Info(client.Info.WithContext(ctx))
	if err != nil {
		return []string{fmt.Sprintf("cluster %v does not answer: %v", cfg.Hosts, err)}
	}
	res.Body.Close()
	if res.StatusCode == 401 || res.StatusCode == 403 {
		return []string{fmt.Sprintf("cluster %v refuses the credentials: %s", cfg.Hosts, res.Status())}
	}
	if res.IsError() {
		return []string{fmt.Sprintf("cluster %v: %s", cfg.Hosts, res.Status())}
	}
	auth, err := client.Security.Authenticate(client.Security.Authenticate.WithContext(ctx))
	if err != nil {
		return []string{fmt.Sprintf("cluster %v: authenticate: %v", cfg.Hosts, err)}
	}
	auth.Body.Close()
	if auth.StatusCode == 401 || auth.StatusCode == 403 {
		return []string{fmt.Sprintf("cluster %v refuses the credentials: %s", cfg.Hosts, auth.Status())}
	}
	tres, err := client.Indices.GetIndexTemplate(client.Indices.GetIndexTemplate.WithContext(ctx))
	if err != nil {
		return []string{fmt.Sprintf("cluster %v: list index templates: %v", cfg.Hosts, err)}
	}
	defer tres.Body.Close()
	body, _ := io.ReadAll(tres.Body)
	var list struct {
		IndexTemplates []struct {
			Name          string `json:"name"`
			IndexTemplate struct {
				IndexPatterns []string        `json:"index_patterns"`
				DataStream    json.RawMessage `json:"data_stream"`
			} `json:"index_template"`
		} `json:"index_templates"`
	}
	if tres.IsError() || json.Unmarshal(body, &list) != nil {
		return []string{fmt.Sprintf("cluster %v: list index templates: %s", cfg.Hosts, tres.Status())}
	}
	var problems []string
	for _, stream := range streams {
		sample := strings.ReplaceAll(stream, "*", "x")
		found := false
		for _, t := range list.IndexTemplates {
			if t.IndexTemplate.DataStream == nil {
				continue
			}
			for _, p := range t.IndexTemplate.IndexPatterns {
				if ok, _ := path.Match(p, sample); ok {
					found = true
				}
			}
		}
		if !found {
			problems = append(problems, fmt.Sprintf("data stream %s matches no index template with data_stream on %v (install them with setup_templates: true)", stream, cfg.Hosts))
		}
	}
	return problems
}
