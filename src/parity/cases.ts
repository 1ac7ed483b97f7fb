/**
 * The configs the parity check runs through dlt and rest-sync: one per behaviour dlt's own
 * rest_api tests exercise (paginators, selectors, parents and children, incremental,
 * dispositions, nesting, column types). `runs` > 1 syncs the same config again, as a schedule would.
 */
export interface ParityCase {
  name: string;
  /** a dlt rest_api config; `BASE` in client.base_url is replaced by the test API's URL */
  config: Record<string, unknown>;
  runs: number;
}

const client = { base_url: 'BASE' };
const jsonLink = { type: 'json_link', next_url_path: 'next_page' };

const resource = (name: string, endpoint: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ name, endpoint, ...extra });

/** A hint of every dlt data type, with and without precision, scale and timezone, as dlt's Postgres mapper reads them. */
export const TYPED_HINTS = {
  t: { data_type: 'text' },
  v5: { data_type: 'text', precision: 5 },
  d: { data_type: 'double' },
  b: { data_type: 'bool' },
  ts: { data_type: 'timestamp' },
  ts3: { data_type: 'timestamp', precision: 3 },
  naive: { data_type: 'timestamp', timezone: false },
  naive3: { data_type: 'timestamp', timezone: false, precision: 3 },
  day: { data_type: 'date' },
  tm: { data_type: 'time' },
  tm3: { data_type: 'time', precision: 3 },
  small: { data_type: 'bigint', precision: 16 },
  int: { data_type: 'bigint', precision: 32 },
  big: { data_type: 'bigint', precision: 64 },
  bin: { data_type: 'binary' },
  j: { data_type: 'json' },
  dec: { data_type: 'decimal' },
  money: { data_type: 'decimal', precision: 10, scale: 2 },
  w: { data_type: 'wei' },
  absent: { data_type: 'text', nullable: true },
};

export const CASES: ParityCase[] = [
  { name: 'json_link', runs: 1, config: { client, resources: [resource('posts', { path: 'posts', paginator: jsonLink })] } },
  { name: 'auto_paginator', runs: 1, config: { client, resources: [resource('posts', { path: 'posts' })] } },
  { name: 'string_resource', runs: 1, config: { client: { ...client, paginator: jsonLink }, resources: ['posts'] } },
  { name: 'no_key', runs: 1, config: { client, resources: [resource('posts_no_key', { path: 'posts_no_key', paginator: { type: 'page_number', base_page: 1, total_path: null, maximum_page: 5 } })] } },
  { name: 'zero_based', runs: 1, config: { client, resources: [resource('posts', { path: 'posts_zero_based', paginator: { type: 'page_number', base_page: 0, total_path: 'total_pages' } })] } },
  { name: 'other_key', runs: 1, config: { client, resources: [resource('posts', { path: 'posts_under_a_different_key', data_selector: 'many-results', paginator: jsonLink })] } },
  { name: 'header_link', runs: 1, config: { client, resources: [resource('posts', { path: 'posts_header_link', paginator: 'header_link' })] } },
  { name: 'header_cursor', runs: 1, config: { client, resources: [resource('posts', { path: 'posts_header_cursor', paginator: { type: 'header_cursor', cursor_key: 'cursor', cursor_param: 'page' } })] } },
  { name: 'jsonpath_selector', runs: 1, config: { client, resources: [resource('posts', { path: 'posts', data_selector: '$.data[*]', paginator: jsonLink })] } },
  { name: 'offset', runs: 1, config: { client, resources: [resource('posts', { path: 'posts_offset_limit', paginator: { type: 'offset', limit: 10, total_path: 'total_records' } })] } },
  { name: 'cursor', runs: 1, config: { client, resources: [resource('posts', { path: 'posts_cursor', paginator: { type: 'cursor', cursor_path: 'next_cursor', cursor_param: 'cursor' } })] } },
  {
    name: 'children_path',
    runs: 1,
    config: {
      client: { ...client, paginator: jsonLink },
      resource_defaults: { primary_key: 'id', write_disposition: 'merge' },
      resources: [
        'posts',
        resource('post_comments', { path: 'posts/{resources.posts.id}/comments' }, { primary_key: ['post_id', 'id'] }),
      ],
    },
  },
  {
    name: 'children_param_include',
    runs: 1,
    config: {
      client: { ...client, paginator: jsonLink },
      resources: [
        'posts',
        resource('post_details', { path: 'post_detail', params: { post_id: '{resources.posts.id}' }, paginator: 'single_page' }, { include_from_parent: ['title'] }),
      ],
    },
  },
  {
    name: 'ignore_404_unselected_parent',
    runs: 1,
    config: {
      client: { ...client, paginator: jsonLink },
      resources: [
        resource('posts', { path: 'posts' }, { selected: false }),
        resource('post_details', {
          path: 'posts/{resources.posts.id}/some_details_404',
          paginator: 'single_page',
          response_actions: [{ status_code: 404, action: 'ignore' }],
        }),
      ],
    },
  },
  {
    name: 'incremental_param',
    runs: 2,
    config: {
      client: { ...client, paginator: jsonLink },
      resources: [resource('posts', { path: 'posts', params: { since: { type: 'incremental', cursor_path: 'id', initial_value: 5 } } }, { primary_key: 'id', write_disposition: 'merge' })],
    },
  },
  {
    name: 'incremental',
    runs: 2,
    config: {
      client: { ...client, paginator: jsonLink },
      resources: [resource('posts', { path: 'posts', incremental: { cursor_path: 'id', initial_value: 10 } }, { write_disposition: 'append' })],
    },
  },
  ...incrementalCases(),
  { name: 'append_twice', runs: 2, config: { client: { ...client, paginator: jsonLink }, resources: [resource('posts', { path: 'posts' }, { write_disposition: 'append', primary_key: 'id' })] } },
  { name: 'replace_twice', runs: 2, config: { client: { ...client, paginator: jsonLink }, resources: [resource('posts', { path: 'posts' }, { write_disposition: 'replace', primary_key: 'id' })] } },
  { name: 'merge_twice', runs: 2, config: { client: { ...client, paginator: jsonLink }, resources: [resource('posts', { path: 'posts' }, { write_disposition: 'merge', primary_key: 'id' })] } },
  { name: 'nested', runs: 1, config: { client: { ...client, paginator: jsonLink }, resources: [resource('posts_nested', { path: 'posts_nested' })] } },
  { name: 'nested_merge_twice', runs: 2, config: { client: { ...client, paginator: jsonLink }, resources: [resource('posts_nested', { path: 'posts_nested' }, { write_disposition: 'merge', primary_key: 'id' })] } },
  { name: 'nesting_0', runs: 1, config: { client: { ...client, paginator: jsonLink }, resources: [resource('posts_nested', { path: 'posts_nested' }, { max_table_nesting: 0 })] } },
  { name: 'nesting_1', runs: 1, config: { client: { ...client, paginator: jsonLink }, resources: [resource('posts_nested', { path: 'posts_nested' }, { max_table_nesting: 1 })] } },
  { name: 'column_types', runs: 2, config: { client: { ...client, paginator: jsonLink }, resources: [resource('typed', { path: 'typed' }, { primary_key: 'id', write_disposition: 'merge', columns: TYPED_HINTS })] } },
];

/** dlt's incremental options on `posts` (ids 0..24, five a page) loaded twice into append tables: a record loaded twice shows. */
function incrementalCases(): ParityCase[] {
  const posts = (incremental: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    client: { ...client, paginator: jsonLink },
    resources: [resource('posts', { path: 'posts', incremental: { cursor_path: 'id', ...incremental } }, { write_disposition: 'append', ...extra })],
  });
  return [
    { name: 'incremental_dedup_primary_key', runs: 2, config: posts({ initial_value: 0 }, { primary_key: 'id' }) },
    { name: 'incremental_dedup_off', runs: 2, config: posts({ initial_value: 0, primary_key: [] }, { primary_key: 'id' }) },
    { name: 'incremental_lag', runs: 2, config: posts({ initial_value: 0, lag: 3 }, { primary_key: 'id' }) },
    { name: 'incremental_min', runs: 2, config: posts({ initial_value: 30, last_value_func: 'min' }) },
    { name: 'incremental_row_order_asc', runs: 2, config: posts({ initial_value: 0, end_value: 12, row_order: 'asc' }) },
  ];
}
