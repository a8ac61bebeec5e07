"""Go queue consumers: a NATS, Kafka (kafka-go, sarama), RabbitMQ or Redis pub/sub message is written by whoever
can publish, so its fields are attacker data in every rule (log forging and SQL here), while a worker's own
settings file is not."""

from __future__ import annotations

from pathlib import Path

import pytest
from labels import score_file

CONSUMERS = b"""\
// Queue workers, the way an assistant writes them: whoever can publish to the subject, topic or queue wrote
// the message.
package workers

import (
	"context"
	"database/sql"
	"encoding/json"
	"log"
	"os"

	"github.com/IBM/sarama"
	"github.com/nats-io/nats.go"
	amqp "github.com/rabbitmq/amqp091-go"
	"github.com/redis/go-redis/v9"
	"github.com/segmentio/kafka-go"
)

type Order struct {
	ID       string `json:"id"`
	Customer string `json:"customer"`
}

func subscribe(nc *nats.Conn) {
	nc.Subscribe("orders.created", func(m *nats.Msg) {
		var o Order
		if err := json.Unmarshal(m.Data, &o); err != nil {
			log.Printf("bad order: %v", err) // ok: GO-LOG-001
			return
		}
		log.Printf("order %s for %s", o.ID, o.Customer) // expect: GO-LOG-001
		log.Printf("order %q for %q", o.ID, o.Customer) // ok: GO-LOG-001
	})
}

func readKafka(ctx context.Context, r *kafka.Reader) {
	for {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			return
		}
		log.Printf("event key=%s value=%s", string(m.Key), string(m.Value)) // expect: GO-LOG-001
		log.Printf("event at offset %d", m.Offset) // ok: GO-LOG-001
	}
}

type audit struct{ db *sql.DB }

func (a audit) ConsumeClaim(session sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	for msg := range claim.Messages() {
		log.Printf("audit record: %s", msg.Value) // expect: GO-LOG-001
		a.db.Exec("INSERT INTO audit (line) VALUES ('" + string(msg.Value) + "')") // expect: GO-SQLI-001
		a.db.Exec("INSERT INTO audit (line) VALUES ($1)", string(msg.Value)) // ok: GO-SQLI-001
		session.MarkMessage(msg, "")
	}
	return nil
}

func consumeRabbit(ch *amqp.Channel) error {
	deliveries, err := ch.Consume("invoices", "", false, false, false, false, nil)
	if err != nil {
		return err
	}
	for d := range deliveries {
		log.Printf("invoice job: %s", d.Body) // expect: GO-LOG-001
		d.Ack(false)
	}
	return nil
}

func handleDelivery(d amqp.Delivery) {
	log.Println("delivery from", d.ReplyTo, string(d.Body)) // expect: GO-LOG-001
}

func listenRedis(ctx context.Context, rdb *redis.Client) {
	pubsub := rdb.Subscribe(ctx, "chat")
	for msg := range pubsub.Channel() {
		log.Printf("chat message on %s: %s", msg.Channel, msg.Payload) // expect: GO-LOG-001
	}
}

// A worker's own settings file is the operator's, not a publisher's.
func loadSettings(path string) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return
	}
	var s Order
	_ = json.Unmarshal(raw, &s)
	log.Printf("settings for %s", s.Customer) // ok: GO-LOG-001
}
"""


@pytest.mark.parametrize("rule_id", ["GO-LOG-001", "GO-SQLI-001"])
def test_queue_messages_are_attacker_data(tmp_path: Path, rule_id: str) -> None:
    path = tmp_path / "workers.go"
    path.write_bytes(CONSUMERS)
    score = score_file(path, path.name, frozenset({rule_id}))
    expect, ok = score.labels.lines(rule_id)
    assert score.skipped is None
    assert expect and ok
    assert not score.misses, f"missed {sorted(score.misses)}"
    assert not score.false_alarms, f"false alarms {sorted(score.false_alarms)}"
