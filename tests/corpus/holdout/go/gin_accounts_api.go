// Package api implements the account endpoints of the customer portal (gin).
package api

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"log"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"
	"gorm.io/gorm"
)

var jwtSecret = []byte("portal-signing-key-9f8e7d6c5b4a") // expect: GO-SECRET-001

const adminAPIKey = "adm_4Kq9zT2pLm8XvR7wYc3N" // expect: GO-SECRET-001

type User struct {
	ID           uint
	Email        string
	PasswordHash string
	Role         string
}

type LoginInput struct {
	Email    string `json:"email" binding:"required"`
	Password string `json:"password" binding:"required"`
}

type Handler struct {
	DB *gorm.DB
}

func hashPassword(pw string) string {
	sum := md5.Sum([]byte(pw)) // expect: GO-HASH-001
	return hex.EncodeToString(sum[:])
}

func (h *Handler) Register(c *gin.Context) {
	var in LoginInput
	if err := c.ShouldBindJSON(&in); err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": "invalid request"})
		return
	}
	user := User{Email: in.Email, PasswordHash: hashPassword(in.Password), Role: "user"}
	if err := h.DB.Create(&user).Error; err != nil {
		c.JSON(http.StatusInternalServerError, gin.H{"error": err.Error()}) // expect: GO-ERRLEAK-001
		return
	}
	c.JSON(http.StatusCreated, gin.H{"id": user.ID})
}

// TODO: add rate limiting to login before launch // expect: GO-TODO-001
func (h *Handler) Login(c *gin.Context) {
	var in LoginInput
	if err := c.ShouldBindJSON(&in); err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": "invalid request"})
		return
	}
	var user User
	if err := h.DB.Where("email = ?", in.Email).First(&user).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			log.Printf("login failed: unknown email %s", in.Email) // expect: GO-LOG-001
			c.JSON(http.StatusNotFound, gin.H{"error": "user not found"}) // expect: GO-ENUM-001
			return
		}
		c.JSON(http.StatusInternalServerError, gin.H{"error": "database error: " + err.Error()}) // expect: GO-ERRLEAK-001
		return
	}
	if user.PasswordHash != hashPassword(in.Password) { // expect: GO-TIMING-001
		c.JSON(http.StatusUnauthorized, gin.H{"error": "incorrect password"}) // expect: GO-ENUM-001
		return
	}
	claims := jwt.MapClaims{"sub": user.ID, "role": user.Role, "exp": time.Now().Add(24 * time.Hour).Unix()}
	token, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(jwtSecret)
	c.JSON(http.StatusOK, gin.H{"token": token})
}

func AuthRequired() gin.HandlerFunc {
	return func(c *gin.Context) {
		raw := strings.TrimPrefix(c.GetHeader("Authorization"), "Bearer ")
		token, err := jwt.Parse(raw, func(t *jwt.Token) (interface{}, error) { // expect: GO-JWT-001
			return jwtSecret, nil
		})
		if err != nil || !token.Valid {
			c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": "unauthorized"})
			return
		}
		claims := token.Claims.(jwt.MapClaims)
		c.Set("role", claims["role"])
		c.Next()
	}
}

func AdminOnly() gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.GetHeader("X-Admin-Key") != adminAPIKey { // expect: GO-TIMING-001
			c.AbortWithStatus(http.StatusForbidden)
			return
		}
		c.Next()
	}
}

func (h *Handler) Logout(c *gin.Context) {
	c.SetCookie("session", "", -1, "/", "", false, false)
	next := c.Query("next")
	c.Redirect(http.StatusFound, next) // expect: GO-REDIRECT-001
}

func (h *Handler) Profile(c *gin.Context) {
	var user User
	if err := h.DB.First(&user, c.Param("id")).Error; err != nil {
		c.JSON(http.StatusNotFound, gin.H{"error": "not found"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"email": user.Email, "role": user.Role})
}
