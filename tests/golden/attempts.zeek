#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	smtp
#open	XXXX-XX-XX-XX-XX-XX
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	trans_depth	helo	mailfrom	rcptto	date	from	to	cc	reply_to	msg_id	in_reply_to	subject	x_originating_ip	first_received	second_received	last_reply	path	user_agent	tls	fuids	community_id
#types	time	string	addr	port	addr	port	count	string	string	set[string]	string	string	set[string]	set[string]	string	string	string	string	addr	string	string	string	vector[addr]	string	bool	vector[string]	string
1796609635.676438	CGIQth7AWZrwHk0db6	127.0.0.21	54289	127.0.0.22	25	1	client.test	alice@client.test	bob@sink.test	-	-	-	-	-	-	-	attempts 1	-	-	-	250 2.0.0 Ok	127.0.0.22,127.0.0.21	-	F	(empty)	1:8JHvvPH2vFB3+whKYpU9fHYsgOI=
1796609635.678170	CuPJmd8n0wx7gIeL6o	127.0.0.21	54739	127.0.0.22	25	1	client.test	alice@client.test	bob@sink.test	-	-	-	-	-	-	-	attempts 2	-	-	-	250 2.0.0 Ok	127.0.0.22,127.0.0.21	-	F	(empty)	1:eeeiWU7p1HfeRms7oAdWf2z5bu0=
1796609701.676628	CULxKQsuXnRLUjG5yk	127.0.0.21	36495	127.0.0.22	25	1	client.test	alice@client.test	bob@sink.test	-	-	-	-	-	-	-	attempts 3	-	-	-	250 2.0.0 Ok	127.0.0.22,127.0.0.21	-	F	(empty)	1:zI31tk454WhP5GaPDNk9Ulxt6hM=
1796609707.182775	CMnxW8R5uAms8oKE7z	127.0.0.21	34113	127.0.0.22	25	1	client.test	alice@client.test	bob@sink.test	-	-	-	-	-	-	-	attempts 4	-	-	-	250 2.0.0 Ok	127.0.0.22,127.0.0.21	-	F	(empty)	1:QHMssWGmduzHlB/esd+pBcjJ6FE=
#close	XXXX-XX-XX-XX-XX-XX
