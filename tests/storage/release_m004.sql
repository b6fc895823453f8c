BEGIN TRANSACTION;
CREATE TABLE "_migrations" (
   "name" TEXT PRIMARY KEY,
   "applied" TEXT
);
INSERT INTO "_migrations" VALUES('m001_create_tables','now');
INSERT INTO "_migrations" VALUES('m002_updates_and_users','now');
INSERT INTO "_migrations" VALUES('m003_handoffs_and_groups','now');
INSERT INTO "_migrations" VALUES('m004_continue_links','now');
CREATE TABLE "continue_links" (
   "token" TEXT PRIMARY KEY,
   "key" TEXT,
   "user_id" INTEGER,
   "created" REAL,
   "used" REAL
);
INSERT INTO "continue_links" VALUES('tok','tg:-1:0:3',3,1700000000.0,NULL);
CREATE TABLE "group_settings" (
   "chat_id" INTEGER PRIMARY KEY,
   "auto_answer" INTEGER
);
INSERT INTO "group_settings" VALUES(-100,1);
CREATE TABLE "handoff_messages" (
   "operator_chat_id" INTEGER,
   "message_id" INTEGER,
   "handoff_id" INTEGER,
   PRIMARY KEY ("operator_chat_id", "message_id")
);
INSERT INTO "handoff_messages" VALUES(-5,70,1);
INSERT INTO "handoff_messages" VALUES(-5,71,1);
CREATE TABLE "handoffs" (
   "id" INTEGER PRIMARY KEY,
   "key" TEXT,
   "user_id" INTEGER,
   "user_chat_id" INTEGER,
   "user_thread_id" INTEGER,
   "operator_chat_id" INTEGER,
   "operator_thread_id" INTEGER,
   "root_message_id" INTEGER,
   "status" TEXT,
   "opened" REAL,
   "closed" REAL
, "forward_noted" INTEGER NOT NULL DEFAULT 0);
INSERT INTO "handoffs" VALUES(1,'tg:1:0:1',1,1,0,-5,7,70,'open',1700000000.0,NULL,1);
CREATE TABLE "outcomes" (
   "id" INTEGER PRIMARY KEY,
   "key" TEXT,
   "user_id" INTEGER,
   "ts" REAL,
   "kind" TEXT,
   "intent" TEXT,
   "step" INTEGER,
   "detail" TEXT
);
INSERT INTO "outcomes" VALUES(1,'tg:1:0:1',1,1700000000.0,'step','icloud_full',0,'not_fixed');
CREATE TABLE "seen_updates" (
   "update_id" INTEGER PRIMARY KEY,
   "ts" REAL
);
INSERT INTO "seen_updates" VALUES(55,1700000000.0);
CREATE TABLE "sessions" (
   "key" TEXT PRIMARY KEY,
   "user_id" INTEGER,
   "chat_id" INTEGER,
   "data" TEXT,
   "state" TEXT,
   "intent" TEXT,
   "updated" REAL
);
INSERT INTO "sessions" VALUES('tg:1:0:1',1,1,'{"state": "step", "intent": "icloud_full", "node": null, "step": 1, "slots": {}, "candidates": [], "seq": 3, "misses": 0, "tried": [], "words": [], "started": 1.0, "last_active": 2.0}','step','icloud_full',1700000000.0);
INSERT INTO "sessions" VALUES('console:me',NULL,NULL,'{"state": "idle", "intent": null, "node": null, "step": 0, "slots": {}, "candidates": [], "seq": 0, "misses": 0, "tried": [], "words": [], "started": 0.0, "last_active": 0.0}','idle',NULL,1700000001.0);
CREATE TABLE "turns" (
   "id" INTEGER PRIMARY KEY,
   "key" TEXT,
   "user_id" INTEGER,
   "ts" REAL,
   "text" TEXT,
   "intent" TEXT,
   "category" TEXT,
   "score" REAL
);
INSERT INTO "turns" VALUES(1,'tg:1:0:1',1,1700000000.0,'icloud is full, mail [email]','icloud_full','storage',0.9);
CREATE TABLE "users" (
   "user_id" INTEGER PRIMARY KEY,
   "blocked" INTEGER,
   "updated" REAL
);
INSERT INTO "users" VALUES(2,1,1700000000.0);
CREATE INDEX "idx_turns_key"
    ON "turns" ("key");
CREATE INDEX "idx_turns_ts"
    ON "turns" ("ts");
CREATE INDEX "idx_outcomes_key"
    ON "outcomes" ("key");
CREATE INDEX "idx_sessions_user_id"
    ON "sessions" ("user_id");
CREATE INDEX "idx_handoffs_key"
    ON "handoffs" ("key");
CREATE INDEX "idx_handoffs_operator_chat_id_operator_thread_id"
    ON "handoffs" ("operator_chat_id", "operator_thread_id");
CREATE INDEX "idx_continue_links_key"
    ON "continue_links" ("key");
CREATE INDEX "idx_continue_links_user_id"
    ON "continue_links" ("user_id");
COMMIT;
