#separator \x09
#set_separator	,
#empty_field	(empty)
#unset_field	-
#path	smtp
#open	XXXX-XX-XX-XX-XX-XX
#fields	ts	uid	id.orig_h	id.orig_p	id.resp_h	id.resp_p	trans_depth	helo	mailfrom	rcptto	date	from	to	cc	reply_to	msg_id	in_reply_to	subject	x_originating_ip	first_received	second_received	last_reply	path	user_agent	tls	fuids
#types	time	string	addr	port	addr	port	count	string	string	set[string]	string	string	set[string]	set[string]	string	string	string	string	addr	string	string	string	vector[addr]	string	bool	vector[string]
1795387411.808276	CkYrjfCJC6LHswkjFK	127.0.0.1	49668	127.0.0.1	25	1	client.example.test	alice@example.test	root@example.test	Sun, 22 Nov 2026 22:43:31 +0000	alice@example.test	root@example.test	-	-	<20261122224331.009524@vm>	-	plain message	-	-	-	250 2.0.0 Ok: queued as D4ECBA722C8	127.0.0.1,127.0.0.1	swaks v20201014.0 jetmore.org/john/code/swaks/	F	(empty)
1795387411.970475	CXOj3JaVRWieBygS3t	127.0.0.1	49678	127.0.0.1	25	1	client.example.test	alice@example.test	root@example.test,postmaster@localhost	Sun, 22 Nov 2026 22:43:31 +0000	alice@example.test	root@example.test,postmaster@localhost	-	-	<20261122224331.009531@vm>	-	test Sun, 22 Nov 2026 22:43:31 +0000	-	-	-	250 2.0.0 Ok: queued as ED980A722C8	127.0.0.1,127.0.0.1	swaks v20201014.0 jetmore.org/john/code/swaks/	F	(empty)
1795387412.086967	Cg8cLWy9z6oF9sWoIW	127.0.0.1	49688	127.0.0.1	25	1	client.example.test	alice@example.test	nosuchuser@example.test	-	-	-	-	-	-	-	-	-	-	-	221 2.0.0 Bye	127.0.0.1,127.0.0.1	-	F	(empty)
1795387412.166828	C8jCAgWdaOdA0WE6ko	127.0.0.1	49694	127.0.0.1	25	1	client.example.test	alice@example.test	root@example.test,nosuchuser@example.test	Sun, 22 Nov 2026 22:43:32 +0000	alice@example.test	root@example.test,nosuchuser@example.test	-	-	<20261122224332.009536@vm>	-	test Sun, 22 Nov 2026 22:43:32 +0000	-	-	-	250 2.0.0 Ok: queued as 296F3A722C9	127.0.0.1,127.0.0.1	swaks v20201014.0 jetmore.org/john/code/swaks/	F	(empty)
1795387412.250019	CeqKBfjuwF4yi02shX	127.0.0.1	49702	127.0.0.1	25	1	client.example.test	alice@example.test	postmaster@localhost	-	-	-	-	-	-	-	-	-	-	-	221 2.0.0 Bye	127.0.0.1,127.0.0.1	-	F	(empty)
1795387412.327543	ClR5RRJ8vUueqrrDpY	::1	54880	::1	25	1	client.example.test	alice@example.test	root@example.test	Sun, 22 Nov 2026 22:43:32 +0000	alice@example.test	root@example.test	-	-	<20261122224332.009540@vm>	-	test Sun, 22 Nov 2026 22:43:32 +0000	-	-	-	250 2.0.0 Ok: queued as 50934A722C9	::1,::1	swaks v20201014.0 jetmore.org/john/code/swaks/	F	(empty)
1795387412.491159	C3brSLKJ30NqBMKpDM	127.0.0.1	49722	127.0.0.1	25	1	client.example.test	alice@example.test	nosuchuser@example.test,root@example.test	Sun, 22 Nov 2026 22:43:32 +0000	alice@example.test	nosuchuser@example.test,root@example.test	-	-	<20261122224332.009544@vm>	-	test Sun, 22 Nov 2026 22:43:32 +0000	-	-	-	250 2.0.0 Ok: queued as 78F84A722C9	127.0.0.1,127.0.0.1	swaks v20201014.0 jetmore.org/john/code/swaks/	F	(empty)
1795387412.578802	CZEsZ4HtDBDgLkUgCb	127.0.0.1	49734	127.0.0.1	25	1	client.example.test	alice@example.test	nosuchuser@example.test	-	-	-	-	-	-	-	-	-	-	-	221 2.0.0 Bye	127.0.0.1,127.0.0.1	-	F	(empty)
1795387412.657441	CN7c4U1LhUHYCKIUT8	127.0.0.1	49744	127.0.0.1	25	1	client.example.test	alice@example.test	root@example.test	-	-	-	-	-	-	-	-	-	-	-	250 2.1.5 Ok	127.0.0.1,127.0.0.1	-	F	(empty)
#close	XXXX-XX-XX-XX-XX-XX
