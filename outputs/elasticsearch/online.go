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

// CheckOnline is validate --online for one output (it implements
// plugin.OnlineChecker): the cluster answers, accepts the credentials, and
// every data stream name (field references given as *) matches an index
// template with data_stream. It returns one message per problem.
func (c *Config) CheckOnline(ctx context.Context, streams []string) []string {
	problems := c.checkOnline(ctx, streams)
	for i, p := range problems {
		problems[i] = c.scrub(p)
	}
	return problems
}

func (c *Config) checkOnline(ctx context.Context, streams []string) []string {
	tlsCfg, err := c.TLS.build()
	if err != nil {
		return []string{err.Error()}
	}
	client, err := es.NewClient(es.Config{Addresses: c.Hosts, Username: c.Username, Password: c.Password, APIKey: c.APIKey,
		Transport: transportFor(tlsCfg, 1), DisableRetry: true})
	if err != nil {
		return []string{err.Error()}
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	res, err := client.Info(client.Info.WithContext(ctx))
	if err != nil {
		return []string{fmt.Sprintf("cluster %v does not answer: %v", c.redactedHosts(), err)}
	}
	res.Body.Close()
	if res.StatusCode == 401 || res.StatusCode == 403 {
		return []string{fmt.Sprintf("cluster %v refuses the credentials: %s", c.redactedHosts(), res.Status())}
	}
	if res.IsError() {
		return []string{fmt.Sprintf("cluster %v: %s", c.redactedHosts(), res.Status())}
	}
	auth, err := client.Security.Authenticate(client.Security.Authenticate.WithContext(ctx))
	if err != nil {
		return []string{fmt.Sprintf("cluster %v: authenticate: %v", c.redactedHosts(), err)}
	}
	auth.Body.Close()
	if auth.StatusCode == 401 || auth.StatusCode == 403 {
		return []string{fmt.Sprintf("cluster %v refuses the credentials: %s", c.redactedHosts(), auth.Status())}
	}
	tres, err := client.Indices.GetIndexTemplate(client.Indices.GetIndexTemplate.WithContext(ctx))
	if err != nil {
		return []string{fmt.Sprintf("cluster %v: list index templates: %v", c.redactedHosts(), err)}
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
		return []string{fmt.Sprintf("cluster %v: list index templates: %s", c.redactedHosts(), tres.Status())}
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
			problems = append(problems, fmt.Sprintf("data stream %s matches no index template with data_stream on %v (install them with setup_templates: true)", stream, c.redactedHosts()))
		}
	}
	return problems
}
