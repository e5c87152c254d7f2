-- Pages are pipelined: a page is sent while the one before it is still on its
-- way, each in its own transaction. A page's transaction starts with this
-- check that the page before it was committed (its cursor is the stored one),
-- so that after a page that failed, the pages sent behind it fail too and the
-- stored cursor never skips a page.
CREATE FUNCTION entrad_sync_expect_cursor(p_tenant TEXT, p_kind TEXT, p_link TEXT, p_round BIGINT)
RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (
    SELECT FROM sync_state
    WHERE tenant = p_tenant AND kind = p_kind AND link = p_link AND round = p_round
  ) THEN
    RAISE EXCEPTION 'the page sent before this one was not committed'
      USING ERRCODE = 'EN001';
  END IF;
END
$$;
