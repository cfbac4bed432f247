-- Posts using a monitored sound (tt/music/posts), per sound and snapshot day, in the video vocabulary.
-- Grain: one row per (sound, snapshot day, video), the latest observation of that day.
{{ ed_post_snapshot('music_posts', 'music_id', 'sound_id') }}
