// Package api exposes the order history endpoints used by the storefront dashboard.
package api

import (
	"database/sql"
	"fmt"
	"log"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

const invoiceDir = "/srv/storefront/invoices"

// sortColumns maps the public sort keys to real column names.
var sortColumns = map[string]string{
	"date":   "o.created_at",
	"total":  "o.total_cents",
	"status": "o.status",
}

type Order struct {
	ID         int64     `json:"id"`
	CustomerID int64     `json:"customer_id"`
	Status     string    `json:"status"`
	TotalCents int64     `json:"total_cents"`
	CreatedAt  time.Time `json:"created_at"`
}

type OrderFilter struct {
	Status   string `form:"status"`
	Customer string `form:"customer"`
	SortBy   string `form:"sort"`
}

type OrderRepository struct {
	db *sql.DB
}

func scanOrders(rows *sql.Rows) ([]Order, error) {
	defer rows.Close()
	var out []Order
	for rows.Next() {
		var o Order
		if err := rows.Scan(&o.ID, &o.CustomerID, &o.Status, &o.TotalCents, &o.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// List returns the orders that match the filter, newest first unless a sort key is given.
func (r *OrderRepository) List(f OrderFilter) ([]Order, error) {
	query := "SELECT o.id, o.customer_id, o.status, o.total_cents, o.created_at FROM orders o WHERE 1=1"
	if f.Status != "" {
		query += fmt.Sprintf(" AND o.status = '%s'", f.Status)
	}
	if col, ok := sortColumns[f.SortBy]; ok {
		query += " ORDER BY " + col + " DESC"
	} else {
		query += " ORDER BY o.created_at DESC"
	}
	rows, err := r.db.Query(query) // expect: GO-SQLI-001
	if err != nil {
		return nil, err
	}
	return scanOrders(rows)
}

// ByIDs loads a batch of orders with one placeholder per id.
func (r *OrderRepository) ByIDs(ids []int64) ([]Order, error) {
	placeholders := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		placeholders[i] = fmt.Sprintf("$%d", i+1)
		args[i] = id
	}
	query := fmt.Sprintf("SELECT id, customer_id, status, total_cents, created_at FROM orders WHERE id IN (%s)",
		strings.Join(placeholders, ","))
	rows, err := r.db.Query(query, args...) // ok: GO-SQLI-001
	if err != nil {
		return nil, err
	}
	return scanOrders(rows)
}

func (r *OrderRepository) CancelStale(days string) (int64, error) {
	res, err := r.db.Exec("UPDATE orders SET status = 'cancelled' WHERE status = 'pending' AND created_at < now() - interval '" + days + " days'") // expect: GO-SQLI-001
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

type OrderHandler struct {
	repo *OrderRepository
}

func (h *OrderHandler) Register(rg *gin.RouterGroup) {
	rg.GET("/orders", h.list)
	rg.GET("/invoices/:file", h.invoice)
	rg.POST("/orders/cleanup", h.cleanup)
	rg.POST("/orders/export", h.export)
}

func (h *OrderHandler) list(c *gin.Context) {
	var f OrderFilter
	if err := c.ShouldBindQuery(&f); err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": "invalid filter: " + strings.TrimSpace(f.SortBy)}) // ok: GO-ERRLEAK-001
		return
	}
	log.Printf("order search status=%s customer=%s", f.Status, f.Customer) // expect: GO-LOG-001
	orders, err := h.repo.List(f)
	if err != nil {
		c.JSON(http.StatusInternalServerError, gin.H{"error": err.Error()}) // expect: GO-ERRLEAK-001
		return
	}
	c.JSON(http.StatusOK, orders)
}

func (h *OrderHandler) invoice(c *gin.Context) {
	name := c.Param("file")
	c.File(filepath.Join(invoiceDir, name)) // expect: GO-PATH-001
}

func (h *OrderHandler) cleanup(c *gin.Context) {
	n, err := h.repo.CancelStale(c.DefaultQuery("days", "30"))
	if err != nil {
		c.JSON(http.StatusInternalServerError, gin.H{"error": fmt.Sprintf("cleanup failed: %v", err)}) // expect: GO-ERRLEAK-001
		return
	}
	c.JSON(http.StatusOK, gin.H{"cancelled": n})
}

func (h *OrderHandler) export(c *gin.Context) {
	month := c.PostForm("month")
	archive := filepath.Join(invoiceDir, "export-"+filepath.Base(month)+".tar.gz")
	script := fmt.Sprintf("tar czf %s %s/%s-*.pdf", archive, invoiceDir, month)
	if out, err := exec.Command("sh", "-c", script).CombinedOutput(); err != nil { // expect: GO-CMDI-001
		log.Printf("export failed: %v: %q", err, out)
		c.JSON(http.StatusInternalServerError, gin.H{"error": "export failed"})
		return
	}
	if err := exec.Command("gpg", "--batch", "--encrypt", "--recipient", "finance", "--", archive).Run(); err != nil { // ok: GO-CMDI-001
		c.JSON(http.StatusInternalServerError, gin.H{"error": "encryption failed"})
		return
	}
	c.FileAttachment(archive, filepath.Base(archive)) // ok: GO-PATH-001
}
